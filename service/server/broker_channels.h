// BrokerChannels: the connections of one broker to the other brokers of its
// cluster, one gRPC channel per address, made on first use and shared by
// every forwarded call to that broker (HTTP/2 multiplexes them, so
// forwarding is pipelined). Inter-broker calls are plaintext.
//
// Thread-safe.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/generic/generic_stub.h>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "eventlog/v1/eventlog.grpc.pb.h"

namespace eventlog::service {

class BrokerChannels {
 public:
  // `self` is this broker's id (marks what it forwards); messages up to
  // `max_message_bytes` travel between brokers.
  BrokerChannels(int32_t self, int64_t max_message_bytes);

  int32_t self() const { return self_; }

  // The connection to the broker at `address`, and stubs on it; they live
  // as long as this object.
  struct Connection {
    std::shared_ptr<grpc::Channel> channel;
    std::unique_ptr<eventlog::v1::EventLog::Stub> stub;
    std::unique_ptr<grpc::GenericStub> generic;  // raw (ByteBuffer) calls
  };
  const Connection& To(const std::string& address);

 private:
  const int32_t self_;
  const int64_t max_message_bytes_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<Connection>> connections_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::service
