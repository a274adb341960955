// Fuzz target: the Kafka listener's decoding path, without the network.
// The input is one request frame's content (what follows the size prefix:
// request header, then body), for any API key and version; the same bytes
// also go through the FrameSplitter in uneven pieces, and through the test
// client's response decoder for the header's key and version.
// Checks, besides "no crash, no sanitizer report, no unbounded allocation":
// a header decodes unless the frame is shorter than its fixed part; a body
// that decodes re-encodes to bytes that decode again and re-encode
// identically (the encoding is canonical), and a decode failure is
// INVALID_ARGUMENT (malformed) or UNIMPLEMENTED (unknown API), nothing else.
// The same bytes also go through the "consumer" protocol's subscription and
// assignment decoders (what a JoinGroup or SyncGroup carries): an
// assignment that decodes re-encodes to one that decodes to the same.
#include <cstdint>
#include <string>

#include "service/kafka/protocol/api_versions_table.h"
#include "service/kafka/protocol/consumer_protocol.h"
#include "service/kafka/protocol/frame_splitter.h"
#include "service/kafka/protocol/kafka_request.h"
#include "service/kafka/protocol/kafka_response.h"
#include "service/kafka/protocol/message_codec.h"
#include "service/kafka/protocol/request_header.h"
#include "storage/util/coding.h"
#include "tests/fuzz/fuzz_check.h"

namespace eventlog::kafka {
namespace {

void CheckRequest(absl::string_view frame) {
  absl::string_view body;
  absl::StatusOr<RequestHeader> header = RequestHeader::Decode(frame, &body);
  if (!header.ok()) {
    FUZZ_CHECK(header.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  if (!IsSupported(header->api_key, header->api_version)) return;
  absl::StatusOr<KafkaRequest> request = DecodeRequest(header->api_key, header->api_version, body);
  if (!request.ok()) {
    FUZZ_CHECK(request.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  FUZZ_CHECK(static_cast<int16_t>(ApiKeyOf(*request)) == header->api_key);
  const std::string first = EncodeRequestFrame(*header, *request);
  absl::string_view again_body;
  absl::StatusOr<RequestHeader> again_header =
      RequestHeader::Decode(absl::string_view(first).substr(4), &again_body);
  FUZZ_CHECK(again_header.ok());
  absl::StatusOr<KafkaRequest> again =
      DecodeRequest(again_header->api_key, again_header->api_version, again_body);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(EncodeRequestFrame(*again_header, *again) == first);
}

void CheckSplitter(absl::string_view frame) {
  std::string stream;
  util::coding::AppendBigEndian32(&stream, static_cast<uint32_t>(frame.size()));
  stream.append(frame.data(), frame.size());
  FrameSplitter splitter(1 << 20);
  size_t frames = 0;
  for (size_t pos = 0, step = 1; pos < stream.size(); pos += step, step = step * 2 + 1) {
    splitter.Append(absl::string_view(stream).substr(pos, step));
    while (true) {
      absl::StatusOr<std::optional<std::string>> next = splitter.Next();
      FUZZ_CHECK(next.ok());
      if (!next->has_value()) break;
      FUZZ_CHECK(**next == frame);
      ++frames;
    }
  }
  FUZZ_CHECK(frames == 1 && splitter.buffered() == 0);
}

void CheckResponseDecoder(absl::string_view frame) {
  if (frame.size() < 4) return;
  const auto key = static_cast<int16_t>(util::coding::GetBigEndian32(frame.data()) >> 16);
  const auto version = static_cast<int16_t>(util::coding::GetBigEndian32(frame.data()) & 0xffff);
  if (!IsSupported(key, version)) return;
  int32_t correlation_id = 0;
  absl::StatusOr<KafkaResponse> response =
      DecodeResponseFrame(key, version, frame.substr(4), &correlation_id);
  if (response.ok()) {
    const std::string encoded = EncodeResponseFrame(correlation_id, version, *response);
    int32_t again_id = 0;
    absl::StatusOr<KafkaResponse> again =
        DecodeResponseFrame(key, version, absl::string_view(encoded).substr(4), &again_id);
    FUZZ_CHECK(again.ok() && again_id == correlation_id);
    FUZZ_CHECK(EncodeResponseFrame(again_id, version, *again) == encoded);
  }
}

void CheckConsumerProtocol(absl::string_view bytes) {
  absl::StatusOr<std::vector<std::string>> topics = DecodeConsumerSubscription(bytes);
  if (!topics.ok()) FUZZ_CHECK(topics.status().code() == absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::vector<ConsumerTopicPartitions>> assigned = DecodeConsumerAssignment(bytes);
  if (!assigned.ok()) {
    FUZZ_CHECK(assigned.status().code() == absl::StatusCode::kInvalidArgument);
    return;
  }
  absl::StatusOr<std::vector<ConsumerTopicPartitions>> again =
      DecodeConsumerAssignment(EncodeConsumerAssignment(*assigned));
  FUZZ_CHECK(again.ok() && *again == *assigned);
}

}  // namespace
}  // namespace eventlog::kafka

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view frame(reinterpret_cast<const char*>(data), size);
  eventlog::kafka::CheckRequest(frame);
  eventlog::kafka::CheckSplitter(frame);
  eventlog::kafka::CheckResponseDecoder(frame);
  eventlog::kafka::CheckConsumerProtocol(frame);
  return 0;
}
