#include "service/kafka/protocol/request_header.h"

#include "service/kafka/protocol/api_versions_table.h"
#include "service/kafka/protocol/kafka_reader.h"
#include "service/kafka/protocol/kafka_writer.h"

namespace eventlog::kafka {

absl::StatusOr<RequestHeader> RequestHeader::Decode(absl::string_view frame,
                                                    absl::string_view* body) {
  RequestHeader header;
  // The header's own strings are classic (int16-length) even in v2.
  KafkaReader reader(frame, /*flexible=*/false);
  reader.Int16(header.api_key);
  reader.Int16(header.api_version);
  reader.Int32(header.correlation_id);
  if (!reader.ok()) return reader.status();
  if (IsSupported(header.api_key, header.api_version)) {
    reader.ClassicNullableString(header.client_id);
    const auto key = static_cast<ApiKey>(header.api_key);
    if (RequestHeaderVersion(key, header.api_version) >= 2) {
      KafkaReader tags(frame.substr(frame.size() - reader.remaining()), /*flexible=*/true);
      tags.TaggedFields();
      if (!tags.ok()) return tags.status();
      reader.Raw(reader.remaining() - tags.remaining());
    }
    if (!reader.ok()) return reader.status();
  }
  *body = frame.substr(frame.size() - reader.remaining());
  return header;
}

std::string RequestHeader::Encode() const {
  std::string out;
  KafkaWriter writer(&out, /*flexible=*/false);
  writer.Int16(api_key);
  writer.Int16(api_version);
  writer.Int32(correlation_id);
  writer.ClassicNullableString(client_id);
  if (RequestHeaderVersion(static_cast<ApiKey>(api_key), api_version) >= 2) out.push_back(0);
  return out;
}

void AppendResponseHeader(int32_t correlation_id, int16_t header_version, std::string* out) {
  KafkaWriter writer(out, /*flexible=*/header_version >= 1);
  writer.Int32(correlation_id);
  writer.TaggedFields();
}

}  // namespace eventlog::kafka
