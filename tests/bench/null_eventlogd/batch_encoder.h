// EncodeRecordBatch: the bytes of a SubscribeResponse{records: RecordBatch}
// for the store-nothing reference server, written by eventlogd's own encoder
// (service/server/record_wire_encoder.h) from record views, so that both
// servers pay the same per-record cost for a pushed batch.
//
// Stateless; thread-safe.
#pragma once

#include <grpcpp/support/byte_buffer.h>

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "eventlog/v1/eventlog.pb.h"

namespace eventlog::bench {

// Record i of `records` gets offset base_offset + i, and `append_time_ms`
// when its own timestamp_ms is 0 (the broker's append time). `records` may
// repeat one pointer (a synthetic batch). The pointed-to records must stay
// live during the call only.
grpc::ByteBuffer EncodeRecordBatch(absl::string_view topic, int32_t partition,
                                   int64_t base_offset, int64_t high_watermark,
                                   int64_t append_time_ms,
                                   const std::vector<const v1::Record*>& records);

}  // namespace eventlog::bench
