#include "service/kafka/kafka_listener.h"

#include <boost/asio/strand.hpp>
#include <chrono>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace eventlog::kafka {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

constexpr std::chrono::milliseconds kAcceptRetryDelay(100);

absl::StatusOr<tcp::endpoint> ParseHostPort(absl::string_view listen) {
  const size_t colon = listen.rfind(':');
  uint32_t port = 0;
  if (colon == absl::string_view::npos || !absl::SimpleAtoi(listen.substr(colon + 1), &port) ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("not HOST:PORT: ", listen));
  }
  absl::string_view host = listen.substr(0, colon);
  if (absl::ConsumePrefix(&host, "[") && !absl::ConsumeSuffix(&host, "]")) {
    return absl::InvalidArgumentError(absl::StrCat("not HOST:PORT: ", listen));
  }
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code error;
  const asio::ip::address address = asio::ip::make_address(std::string(host), error);
  if (error) return absl::InvalidArgumentError(absl::StrCat("not an IP address: ", host));
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

}  // namespace

KafkaListener::KafkaListener(KafkaListenerOptions options, KafkaRequestHandler* handler)
    : options_(std::move(options)), handler_(handler), acceptor_(io_), accept_retry_(io_) {}

absl::StatusOr<std::unique_ptr<KafkaListener>> KafkaListener::Start(KafkaListenerOptions options,
                                                                    KafkaRequestHandler* handler) {
  std::unique_ptr<KafkaListener> listener(new KafkaListener(std::move(options), handler));
  if (absl::Status status = listener->Init(); !status.ok()) return status;
  return listener;
}

absl::Status KafkaListener::Init() {
  if (options_.io_threads < 1 || options_.max_frame_bytes < 8 ||
      options_.max_in_flight_requests < 1) {
    return absl::InvalidArgumentError("io_threads, max_frame_bytes or max_in_flight_requests");
  }
  absl::StatusOr<tcp::endpoint> endpoint = ParseHostPort(options_.listen);
  if (!endpoint.ok()) return endpoint.status();

  if (!options_.tls_cert_file.empty() || !options_.tls_key_file.empty()) {
    tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    boost::system::error_code error;
    tls_->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                          asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                          asio::ssl::context::no_tlsv1_1,
                      error);
    if (!error) tls_->use_certificate_chain_file(options_.tls_cert_file, error);
    if (!error) tls_->use_private_key_file(options_.tls_key_file, asio::ssl::context::pem, error);
    if (!error && !options_.tls_client_ca_file.empty()) {
      tls_->load_verify_file(options_.tls_client_ca_file, error);
      tls_->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert, error);
    }
    if (error) {
      return absl::InvalidArgumentError(absl::StrCat("TLS files: ", error.message()));
    }
  }

  boost::system::error_code error;
  acceptor_.open(endpoint->protocol(), error);
  if (!error) acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) acceptor_.bind(*endpoint, error);
  if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", options_.listen, ": ", error.message()));
  }
  port_ = acceptor_.local_endpoint().port();

  work_.emplace(io_.get_executor());
  Accept();
  for (int i = 0; i < options_.io_threads; ++i) threads_.emplace_back([this] { io_.run(); });
  return absl::OkStatus();
}

void KafkaListener::Accept() {
  acceptor_.async_accept(asio::make_strand(io_),
                         [this](const boost::system::error_code& error, tcp::socket socket) {
                           OnAccept(error, std::move(socket));
                         });
}

void KafkaListener::OnAccept(const boost::system::error_code& error, tcp::socket socket) {
  if (error == asio::error::operation_aborted || !acceptor_.is_open()) return;
  if (error) {
    // Out of descriptors or memory: that client is lost; try again shortly
    // rather than spin on the same error.
    accept_retry_.expires_after(kAcceptRetryDelay);
    accept_retry_.async_wait([this](const boost::system::error_code& wait_error) {
      if (!wait_error) Accept();
    });
    return;
  }
  boost::system::error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    const uint64_t id = next_connection_id_++;
    auto connection =
        std::make_shared<KafkaConnection>(std::move(socket), tls_.get(), id, &options_, handler_,
                                          gate_, [this](uint64_t closed) { Forget(closed); });
    connections_.emplace(id, connection);
    connection->Start();
  }
  Accept();
}

void KafkaListener::Forget(uint64_t connection_id) {
  std::shared_ptr<KafkaConnection> connection;  // released outside the lock
  absl::MutexLock lock(&mu_);
  auto it = connections_.find(connection_id);
  if (it == connections_.end()) return;
  connection = std::move(it->second);
  connections_.erase(it);
}

void KafkaListener::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  // No completion reaches the io_context after this.
  gate_->Close();
  work_.reset();
  io_.stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  absl::flat_hash_map<uint64_t, std::shared_ptr<KafkaConnection>> connections;
  {
    absl::MutexLock lock(&mu_);
    connections.swap(connections_);
  }
  // No I/O thread runs: closing directly is safe.
  for (auto& [id, connection] : connections) connection->CloseNow();
}

KafkaListener::~KafkaListener() {
  Shutdown();
  // Connections still referenced by handlers queued in io_ go with it.
}

}  // namespace eventlog::kafka
