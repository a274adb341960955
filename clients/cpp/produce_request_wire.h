// ProduceRequestWire: the wire bytes of a ProduceRequest, written by hand so
// that the Producer appends each record's bytes to its batch as it is sent
// instead of filling a v1::Record that protobuf sizes, serializes, clears
// and keeps (docs/PERFORMANCE.md). The layout is the v1 contract's
// (protos/eventlog/v1/eventlog.proto):
//
//   ProduceRequest  topic=1 string, partition=2 optional int32,
//                   records=3 Record, acks=4 enum, request_id=5 uint64
//   Record          key=1 bytes, value=2 bytes, headers=3 Header,
//                   timestamp_ms=4 int64
//   Header          key=1 string, value=2 bytes
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "eventlog/v1/eventlog.pb.h"
#include "grpcpp/support/byte_buffer.h"

namespace eventlog::client {

class ProduceRequestWire {
 public:
  // Appends one record (field 3 of a ProduceRequest: tag, length, body) to
  // `records`. Empty key/value and timestamp 0 are left out, as protobuf does.
  static void AppendRecord(std::string& records, absl::string_view key, absl::string_view value,
                           const google::protobuf::RepeatedPtrField<v1::Header>& headers,
                           int64_t timestamp_ms);
  static void AppendRecord(std::string& records, absl::string_view key, absl::string_view value);

  // The whole request: topic, partition, the records appended to `records`
  // (moved into the buffer without a copy), acks and request id.
  static grpc::ByteBuffer Finish(absl::string_view topic, int32_t partition, v1::Acks acks,
                                 uint64_t request_id, std::string&& records);
};

}  // namespace eventlog::client
