// KafkaConnection: one client connection of a KafkaListener. Reads frames
// (bounded by the listener's frame limit), decodes each request, answers
// ApiVersions and the SASL exchange itself and hands everything else to the
// KafkaRequestHandler; responses go out strictly in request order, whatever
// order the handler completes them in. Reading pauses while too many
// requests wait for answers or too many answer bytes wait for the socket.
// A malformed frame, an unsupported API, or a request before required
// authentication closes the connection without dispatching anything.
//
// Thread-safety: all state lives on the connection's strand (the socket's
// executor); Start and the handler's completions post to it. The listener
// owns connections (shared_ptr) and calls CloseNow only once its I/O
// threads have stopped.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "service/kafka/completion_gate.h"
#include "service/kafka/kafka_listener_options.h"
#include "service/kafka/kafka_request_handler.h"
#include "service/kafka/protocol/frame_splitter.h"

namespace eventlog::kafka {

class KafkaConnection : public std::enable_shared_from_this<KafkaConnection> {
 public:
  // `socket`'s executor must be a strand. `tls` is null for plaintext.
  // `options`, `handler` and `tls` must outlive the connection; `on_closed`
  // runs on the strand once, when the connection closes by itself.
  KafkaConnection(boost::asio::ip::tcp::socket socket, boost::asio::ssl::context* tls, uint64_t id,
                  const KafkaListenerOptions* options, KafkaRequestHandler* handler,
                  std::shared_ptr<CompletionGate> gate, std::function<void(uint64_t)> on_closed);
  ~KafkaConnection();

  KafkaConnection(const KafkaConnection&) = delete;
  KafkaConnection& operator=(const KafkaConnection&) = delete;

  // Begins the TLS handshake (if any) and the read loop.
  void Start();

  // Closes the socket at once, without on_closed. Only when no I/O thread
  // runs (listener shutdown).
  void CloseNow();

 private:
  enum class SaslState {
    kNotRequired,
    kAwaitingHandshake,     // SASL required, nothing said yet
    kAwaitingLegacyToken,   // after SaslHandshake v0: a raw token frame comes next
    kAwaitingAuthenticate,  // after SaslHandshake v1: a SaslAuthenticate comes next
    kAuthenticated,
  };

  // One request's place in the response order.
  struct Slot {
    bool done = false;
    bool send = true;          // false: acks = 0 Produce, nothing is sent
    bool close_after = false;  // close once this answer is written
    std::string frame;
  };

  void ReadMore();
  void OnRead(const boost::system::error_code& error, size_t bytes);
  bool CanTakeRequests() const;
  void ProcessFrames();
  void HandleFrame(const std::string& frame);
  void HandleLegacySaslToken(const std::string& token);
  void HandleListenerApi(const RequestHeader& header, KafkaRequest request);
  void Dispatch(const RequestHeader& header, KafkaRequest request);
  // Whether the calling thread runs this connection's strand now.
  bool OnOwnStrand();
  // Appends a slot that is already answered.
  void PushAnswered(std::string frame, bool close_after = false);
  // Fills request `sequence`'s place (nullopt: the handler answered with
  // another API's response, which closes the connection) and sends what is
  // in order; with `resume_reading`, takes further buffered requests.
  void Complete(uint64_t sequence, std::optional<std::string> frame, bool resume_reading);
  void Flush();
  void StartWrite();
  void Close();
  absl::StatusOr<std::string> Authenticate(absl::string_view token);

  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  const KafkaListenerOptions& options_;
  KafkaRequestHandler* const handler_;
  const std::shared_ptr<CompletionGate> gate_;
  std::function<void(uint64_t)> on_closed_;

  KafkaConnectionContext context_;
  SaslState sasl_state_;
  FrameSplitter splitter_;
  std::string read_buffer_;
  bool reading_ = false;
  bool closed_ = false;

  std::deque<Slot> slots_;
  uint64_t first_sequence_ = 0;  // sequence number of slots_.front()
  std::string out_pending_;      // answers in order, not yet handed to the socket
  std::string out_writing_;      // the bytes of the write in progress
  bool writing_ = false;
  bool close_after_write_ = false;
};

}  // namespace eventlog::kafka
