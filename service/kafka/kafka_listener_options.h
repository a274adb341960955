// Options of a KafkaListener: address, threads, limits, TLS and SASL/PLAIN.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eventlog::kafka {

// Maps a SASL/PLAIN username and password to a principal, or fails
// (UNAUTHENTICATED; the message is sent to the client). Called on I/O
// threads, concurrently: must be thread-safe and quick.
using SaslPlainAuthenticator = std::function<absl::StatusOr<std::string>(
    absl::string_view username, absl::string_view password)>;

struct KafkaListenerOptions {
  // HOST:PORT ("[::1]:9092" for IPv6); port 0 picks a free one
  // (KafkaListener::port() tells which).
  std::string listen = "127.0.0.1:9092";
  int io_threads = 2;
  // Largest request frame (Kafka's socket.request.max.bytes is 100 MiB);
  // a larger size prefix closes the connection before its body is read.
  int32_t max_frame_bytes = 64 << 20;
  // Requests of one connection decoded but not yet answered; at this many
  // the listener stops reading from that connection until replies go out.
  int max_in_flight_requests = 128;

  // PEM files, as eventlogd's --tls_cert / --tls_key / --tls_client_ca:
  // certificate and key turn TLS on; a client CA requires and verifies
  // client certificates (the principal is then the certificate's CN).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;

  // Set: SASL/PLAIN is required before any request but ApiVersions,
  // SaslHandshake and SaslAuthenticate.
  SaslPlainAuthenticator sasl_plain;
};

}  // namespace eventlog::kafka
