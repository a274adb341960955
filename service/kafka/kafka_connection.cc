#include "service/kafka/kafka_connection.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <utility>

#include "absl/strings/str_cat.h"
#include "service/kafka/protocol/api_versions_table.h"
#include "service/kafka/protocol/error_code.h"
#include "service/kafka/sasl_plain_token.h"
#include "storage/util/coding.h"

namespace eventlog::kafka {

namespace asio = boost::asio;

namespace {

constexpr size_t kReadChunk = 64 * 1024;
// Answer bytes waiting behind a write in progress before reading pauses.
constexpr size_t kMaxPendingWriteBytes = 16 << 20;
constexpr absl::string_view kPlainMechanism = "PLAIN";

std::string PeerAddress(const asio::ip::tcp::socket& socket) {
  boost::system::error_code error;
  const asio::ip::tcp::endpoint peer = socket.remote_endpoint(error);
  if (error) return "unknown";
  const asio::ip::address address = peer.address();
  return address.is_v6() ? absl::StrCat("[", address.to_string(), "]:", peer.port())
                         : absl::StrCat(address.to_string(), ":", peer.port());
}

// The common name of a verified client certificate, or "".
std::string PeerCommonName(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return "";
  char name[256] = {};
  const int n =
      X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof(name));
  X509_free(cert);
  return n > 0 ? std::string(name, static_cast<size_t>(n)) : "";
}

std::string RawFrame(absl::string_view payload) {
  std::string frame;
  util::coding::AppendBigEndian32(&frame, static_cast<uint32_t>(payload.size()));
  frame.append(payload.data(), payload.size());
  return frame;
}

}  // namespace

KafkaConnection::KafkaConnection(asio::ip::tcp::socket socket, asio::ssl::context* tls, uint64_t id,
                                 const KafkaListenerOptions* options, KafkaRequestHandler* handler,
                                 std::shared_ptr<CompletionGate> gate,
                                 std::function<void(uint64_t)> on_closed)
    : socket_(std::move(socket)),
      options_(*options),
      handler_(handler),
      gate_(std::move(gate)),
      on_closed_(std::move(on_closed)),
      sasl_state_(options->sasl_plain ? SaslState::kAwaitingHandshake : SaslState::kNotRequired),
      splitter_(options->max_frame_bytes) {
  if (tls != nullptr) {
    tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, *tls);
  }
  context_.connection_id = id;
  context_.peer_address = PeerAddress(socket_);
}

KafkaConnection::~KafkaConnection() = default;

void KafkaConnection::Start() {
  asio::post(socket_.get_executor(), [self = shared_from_this()] {
    if (self->tls_ == nullptr) return self->ReadMore();
    self->tls_->async_handshake(
        asio::ssl::stream_base::server, [self](const boost::system::error_code& error) {
          if (error) return self->Close();
          self->context_.principal = PeerCommonName(self->tls_->native_handle());
          self->ReadMore();
        });
  });
}

void KafkaConnection::CloseNow() {
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void KafkaConnection::Close() {
  if (closed_) return;
  CloseNow();
  slots_.clear();
  if (on_closed_) std::exchange(on_closed_, nullptr)(context_.connection_id);
}

bool KafkaConnection::CanTakeRequests() const {
  return !closed_ && !close_after_write_ &&
         slots_.size() < static_cast<size_t>(options_.max_in_flight_requests) &&
         out_pending_.size() < kMaxPendingWriteBytes;
}

void KafkaConnection::ReadMore() {
  if (reading_ || !CanTakeRequests()) return;
  reading_ = true;
  read_buffer_.resize(kReadChunk);
  auto on_read = [self = shared_from_this()](const boost::system::error_code& error, size_t bytes) {
    self->OnRead(error, bytes);
  };
  if (tls_ != nullptr) {
    tls_->async_read_some(asio::buffer(read_buffer_), std::move(on_read));
  } else {
    socket_.async_read_some(asio::buffer(read_buffer_), std::move(on_read));
  }
}

void KafkaConnection::OnRead(const boost::system::error_code& error, size_t bytes) {
  reading_ = false;
  if (error || closed_) return Close();
  splitter_.Append(absl::string_view(read_buffer_.data(), bytes));
  ProcessFrames();
  ReadMore();
}

void KafkaConnection::ProcessFrames() {
  while (CanTakeRequests()) {
    absl::StatusOr<std::optional<std::string>> frame = splitter_.Next();
    if (!frame.ok()) return Close();
    if (!frame->has_value()) return;
    HandleFrame(**frame);
  }
}

void KafkaConnection::HandleFrame(const std::string& frame) {
  if (sasl_state_ == SaslState::kAwaitingLegacyToken) return HandleLegacySaslToken(frame);
  absl::string_view body;
  absl::StatusOr<RequestHeader> header = RequestHeader::Decode(frame, &body);
  if (!header.ok()) return Close();
  if (!IsSupported(header->api_key, header->api_version)) {
    // A client that asks ApiVersions in a version from the future learns
    // the ranges from a v0 answer (KIP-511); anything else is a protocol
    // violation.
    if (header->api_key != static_cast<int16_t>(ApiKey::kApiVersions)) return Close();
    return PushAnswered(EncodeResponseFrame(
        header->correlation_id, 0,
        ApiVersionsResponse::ForSupportedApis(Wire(ErrorCode::kUnsupportedVersion))));
  }
  const auto key = static_cast<ApiKey>(header->api_key);
  const bool listener_api = key == ApiKey::kApiVersions || key == ApiKey::kSaslHandshake ||
                            key == ApiKey::kSaslAuthenticate;
  if (!listener_api && sasl_state_ != SaslState::kNotRequired &&
      sasl_state_ != SaslState::kAuthenticated) {
    return Close();  // as Kafka: no requests before authentication
  }
  absl::StatusOr<KafkaRequest> request = DecodeRequest(header->api_key, header->api_version, body);
  if (!request.ok()) return Close();
  context_.client_id = header->client_id;
  if (listener_api) return HandleListenerApi(*header, *std::move(request));
  Dispatch(*header, *std::move(request));
}

void KafkaConnection::HandleListenerApi(const RequestHeader& header, KafkaRequest request) {
  const int16_t version = header.api_version;
  const int32_t correlation_id = header.correlation_id;
  if (std::holds_alternative<ApiVersionsRequest>(request)) {
    return PushAnswered(
        EncodeResponseFrame(correlation_id, version, ApiVersionsResponse::ForSupportedApis(0)));
  }
  if (const auto* handshake = std::get_if<SaslHandshakeRequest>(&request)) {
    SaslHandshakeResponse response;
    if (sasl_state_ != SaslState::kAwaitingHandshake) {
      response.error_code = Wire(options_.sasl_plain ? ErrorCode::kIllegalSaslState
                                                     : ErrorCode::kUnsupportedSaslMechanism);
    } else {
      response.mechanisms = {std::string(kPlainMechanism)};
      if (handshake->mechanism != kPlainMechanism) {
        response.error_code = Wire(ErrorCode::kUnsupportedSaslMechanism);
      } else {
        sasl_state_ =
            version == 0 ? SaslState::kAwaitingLegacyToken : SaslState::kAwaitingAuthenticate;
      }
    }
    return PushAnswered(EncodeResponseFrame(correlation_id, version, response));
  }
  const auto& authenticate = std::get<SaslAuthenticateRequest>(request);
  if (sasl_state_ != SaslState::kAwaitingAuthenticate) {
    SaslAuthenticateResponse response;
    response.error_code = Wire(ErrorCode::kIllegalSaslState);
    response.error_message = "SaslAuthenticate without a SaslHandshake v1 before it";
    return PushAnswered(EncodeResponseFrame(correlation_id, version, response),
                        /*close_after=*/true);
  }
  SaslAuthenticateResponse response;
  absl::StatusOr<std::string> principal = Authenticate(authenticate.auth_bytes);
  if (!principal.ok()) {
    response.error_code = Wire(ErrorCode::kSaslAuthenticationFailed);
    response.error_message = std::string(principal.status().message());
    // Kafka closes the connection after a failed authentication.
    return PushAnswered(EncodeResponseFrame(correlation_id, version, response),
                        /*close_after=*/true);
  }
  context_.principal = *std::move(principal);
  sasl_state_ = SaslState::kAuthenticated;
  PushAnswered(EncodeResponseFrame(correlation_id, version, response));
}

void KafkaConnection::HandleLegacySaslToken(const std::string& token) {
  absl::StatusOr<std::string> principal = Authenticate(token);
  // The legacy exchange has no error message: failure is a closed socket.
  if (!principal.ok()) return Close();
  context_.principal = *std::move(principal);
  sasl_state_ = SaslState::kAuthenticated;
  PushAnswered(RawFrame(""));
}

absl::StatusOr<std::string> KafkaConnection::Authenticate(absl::string_view token) {
  absl::StatusOr<SaslPlainToken> plain = SaslPlainToken::Parse(token);
  if (!plain.ok()) return plain.status();
  return options_.sasl_plain(plain->username, plain->password);
}

void KafkaConnection::Dispatch(const RequestHeader& header, KafkaRequest request) {
  const uint64_t sequence = first_sequence_ + slots_.size();
  Slot& slot = slots_.emplace_back();
  if (const auto* produce = std::get_if<ProduceRequest>(&request)) slot.send = produce->acks != 0;
  const ApiKey key = ApiKeyOf(request);
  KafkaResponseCallback done =
      [weak = weak_from_this(), gate = gate_, sequence, key, version = header.api_version,
       correlation_id = header.correlation_id](KafkaResponse response) mutable {
        std::optional<std::string> frame;
        // A response of another API is a handler bug; the connection closes.
        if (ApiKeyOf(response) == key)
          frame = EncodeResponseFrame(correlation_id, version, response);
        gate->RunIfOpen([&] {
          std::shared_ptr<KafkaConnection> self = weak.lock();
          if (self == nullptr) return;
          // Completed inside Handle, on this connection's strand (the common
          // case for quick requests): no second trip through the io_context.
          // Reading resumes in the frame loop that called Handle.
          if (self->OnOwnStrand()) {
            return self->Complete(sequence, std::move(frame), /*resume_reading=*/false);
          }
          asio::post(self->socket_.get_executor(),
                     [self, sequence, frame = std::move(frame)]() mutable {
                       self->Complete(sequence, std::move(frame), /*resume_reading=*/true);
                     });
        });
      };
  handler_->Handle(context_, header, std::move(request), std::move(done));
}

bool KafkaConnection::OnOwnStrand() {
  // The listener accepts every socket onto a strand of its io_context.
  const auto* strand =
      socket_.get_executor().target<asio::strand<asio::io_context::executor_type>>();
  return strand != nullptr && strand->running_in_this_thread();
}

void KafkaConnection::PushAnswered(std::string frame, bool close_after) {
  Slot& slot = slots_.emplace_back();
  slot.done = true;
  slot.close_after = close_after;
  slot.frame = std::move(frame);
  Flush();
}

void KafkaConnection::Complete(uint64_t sequence, std::optional<std::string> frame,
                               bool resume_reading) {
  if (closed_ || sequence < first_sequence_) return;
  if (!frame.has_value()) return Close();
  Slot& slot = slots_[sequence - first_sequence_];
  slot.done = true;
  slot.frame = *std::move(frame);
  Flush();
  if (!resume_reading) return;
  // Answers freed places: take the requests already buffered, read again.
  ProcessFrames();
  ReadMore();
}

void KafkaConnection::Flush() {
  while (!slots_.empty() && slots_.front().done) {
    Slot& slot = slots_.front();
    if (slot.send) out_pending_ += slot.frame;
    if (slot.close_after) close_after_write_ = true;
    slots_.pop_front();
    ++first_sequence_;
    if (close_after_write_) break;  // nothing after it goes out
  }
  StartWrite();
}

void KafkaConnection::StartWrite() {
  if (writing_ || closed_ || out_pending_.empty()) return;
  writing_ = true;
  out_writing_.swap(out_pending_);
  auto on_write = [self = shared_from_this()](const boost::system::error_code& error, size_t) {
    self->writing_ = false;
    self->out_writing_.clear();
    if (error) return self->Close();
    if (self->close_after_write_ && self->out_pending_.empty()) return self->Close();
    self->StartWrite();
    self->ProcessFrames();
    self->ReadMore();
  };
  if (tls_ != nullptr) {
    asio::async_write(*tls_, asio::buffer(out_writing_), std::move(on_write));
  } else {
    asio::async_write(socket_, asio::buffer(out_writing_), std::move(on_write));
  }
}

}  // namespace eventlog::kafka
