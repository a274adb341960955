// Wire encoding of the responses that carry records (SubscribeResponse with
// a RecordBatch, FetchResponse), written straight from the storage's record
// views into one exact-size slice.
//
// Building v1::Record messages costs a malloc and a free per record and per
// non-trivial string, which made consume allocation-bound (half of
// eventlogd's CPU in glibc malloc/free, docs/PERFORMANCE.md). Here a batch
// costs one allocation, and each key, value and header one memcpy. The bytes
// are what protobuf's serializer would produce for the same message (fields
// in number order, proto3 defaults omitted); tests check that byte for byte.
//
// Stateless; thread-safe.
#pragma once

#include <grpcpp/support/byte_buffer.h>

#include <cstdint>

#include "absl/strings/string_view.h"
#include "storage/partition_log.h"

namespace eventlog::service {

// SubscribeResponse{records: RecordBatch{partition, records, high_watermark,
// headerless}}.
grpc::ByteBuffer EncodeSubscribeRecords(const storage::ReadResult& read, absl::string_view topic,
                                        int32_t partition);

// SubscribeResponse{records: RecordBatch{partition, high_watermark,
// headerless, columns}}: the same records as parallel columns, for streams
// that asked for them (SubscribeRequest.columnar).
grpc::ByteBuffer EncodeSubscribeColumns(const storage::ReadResult& read, int32_t partition);

// FetchResponse{records, high_watermark, log_start_offset}.
grpc::ByteBuffer EncodeFetchResponse(const storage::ReadResult& read, absl::string_view topic,
                                     int32_t partition);

}  // namespace eventlog::service
