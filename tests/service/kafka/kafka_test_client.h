// KafkaTestClient: a blocking Kafka client over one TCP connection to
// 127.0.0.1, speaking through the protocol library's test encoders. Reads
// give up after 30 s (a safety net against a hung test, never an
// assertion). Not thread-safe.
#pragma once

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <optional>
#include <string>

#include "service/kafka/protocol/kafka_response.h"
#include "storage/util/coding.h"

namespace eventlog::kafka::testing {

class KafkaTestClient {
 public:
  explicit KafkaTestClient(int port) : socket_(io_) {
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)});
    timeval timeout{30, 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }

  void SendRaw(const std::string& bytes) {
    boost::asio::write(socket_, boost::asio::buffer(bytes));
  }

  // Encodes `request` at `version` with correlation id `correlation_id`.
  template <typename Request>
  std::string Frame(const Request& request, int16_t version, int32_t correlation_id) {
    RequestHeader header;
    header.api_key = static_cast<int16_t>(Request::kApiKey);
    header.api_version = version;
    header.correlation_id = correlation_id;
    header.client_id = "test-client";
    return EncodeRequestFrame(header, request);
  }
  template <typename Request>
  void Send(const Request& request, int16_t version, int32_t correlation_id) {
    SendRaw(Frame(request, version, correlation_id));
  }

  // The next frame's content, or nullopt at EOF (or on an error).
  std::optional<std::string> ReadFrame() {
    char size_bytes[4];
    boost::system::error_code error;
    boost::asio::read(socket_, boost::asio::buffer(size_bytes), error);
    if (error) return std::nullopt;
    std::string frame(util::coding::GetBigEndian32(size_bytes), '\0');
    boost::asio::read(socket_, boost::asio::buffer(frame), error);
    if (error) return std::nullopt;
    return frame;
  }

  template <typename Response>
  absl::StatusOr<Response> Read(int16_t version, int32_t* correlation_id) {
    std::optional<std::string> frame = ReadFrame();
    if (!frame.has_value()) return absl::UnavailableError("connection closed");
    absl::StatusOr<KafkaResponse> response = DecodeResponseFrame(
        static_cast<int16_t>(Response::kApiKey), version, *frame, correlation_id);
    if (!response.ok()) return response.status();
    return std::get<Response>(*std::move(response));
  }

  // Bytes the server sent that no read took yet (without waiting).
  size_t BytesWaiting() { return socket_.available(); }

  // Whether the server closed the connection (EOF before any more bytes).
  bool ClosedByServer() {
    char byte;
    boost::system::error_code error;
    const size_t n = socket_.read_some(boost::asio::buffer(&byte, 1), error);
    return n == 0 &&
           (error == boost::asio::error::eof || error == boost::asio::error::connection_reset);
  }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
};

}  // namespace eventlog::kafka::testing
