// KafkaListener: serves the Kafka wire protocol on one address with
// Boost.Asio: an acceptor and a small pool of I/O threads running one
// io_context, one KafkaConnection per client (see kafka_connection.h for
// framing, ordering, pipelining and SASL), optional TLS (asio::ssl).
//
// Thread-safe. Start returns a listening, ready listener; Shutdown (or the
// destructor) stops accepting, closes every connection and joins the
// threads promptly: requests in a handler's hands are not waited for, their
// completions are dropped.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "service/kafka/completion_gate.h"
#include "service/kafka/kafka_connection.h"
#include "service/kafka/kafka_listener_options.h"
#include "service/kafka/kafka_request_handler.h"

namespace eventlog::kafka {

class KafkaListener {
 public:
  // Binds options.listen and starts serving. `handler` must outlive the
  // listener. INVALID_ARGUMENT for a bad address or unreadable TLS files;
  // UNAVAILABLE if the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<KafkaListener>> Start(KafkaListenerOptions options,
                                                              KafkaRequestHandler* handler);
  ~KafkaListener();

  KafkaListener(const KafkaListener&) = delete;
  KafkaListener& operator=(const KafkaListener&) = delete;

  // The bound port (the chosen one when options.listen asked for port 0).
  int port() const { return port_; }

  // Idempotent; must not be called from a handler's Handle.
  void Shutdown();

 private:
  KafkaListener(KafkaListenerOptions options, KafkaRequestHandler* handler);
  absl::Status Init();
  void Accept();
  void OnAccept(const boost::system::error_code& error, boost::asio::ip::tcp::socket socket);
  void Forget(uint64_t connection_id);

  const KafkaListenerOptions options_;
  KafkaRequestHandler* const handler_;
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_retry_;  // used by the accept loop only
  std::unique_ptr<boost::asio::ssl::context> tls_;
  const std::shared_ptr<CompletionGate> gate_ = std::make_shared<CompletionGate>();
  std::vector<std::thread> threads_;
  int port_ = 0;

  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_connection_id_ ABSL_GUARDED_BY(mu_) = 1;
  absl::flat_hash_map<uint64_t, std::shared_ptr<KafkaConnection>> connections_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::kafka
