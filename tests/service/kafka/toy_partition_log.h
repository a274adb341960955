// ToyPartitionLog: a test-only, in-memory partition for the toy handler, so
// that real clients can produce and consume through the listener before the
// broker is wired in. It checks what librdkafka & co. send the way the
// storage engine will have to: a RecordBatch v2 (magic 2) whose records
// section decompresses with storage/compression in the codec its attributes
// name. It assigns offsets by rewriting each batch's base offset (outside
// the CRC), and serves batches back from an offset.
//
// Not thread-safe; the toy handler guards it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "storage/compression/compression.h"
#include "storage/util/coding.h"

namespace eventlog::kafka::testing {

class ToyPartitionLog {
 public:
  // Byte positions in a RecordBatch v2 (Kafka's DefaultRecordBatch).
  static constexpr size_t kBaseOffset = 0;
  static constexpr size_t kBatchLength = 8;
  static constexpr size_t kMagic = 16;
  static constexpr size_t kAttributes = 21;
  static constexpr size_t kRecordCount = 57;
  static constexpr size_t kRecords = 61;

  struct Batch {
    int64_t base_offset = 0;
    int32_t record_count = 0;
    compression::Codec codec = compression::Codec::kNone;
    std::string plain_records;  // the records section, decompressed
    std::string bytes;          // as stored and served
  };

  // Appends every batch in `records`; returns the first one's offset.
  absl::StatusOr<int64_t> Append(absl::string_view records) {
    const int64_t first = end_offset_;
    while (!records.empty()) {
      if (records.size() < kRecords) return absl::InvalidArgumentError("short batch");
      const uint32_t length = util::coding::GetBigEndian32(records.data() + kBatchLength);
      if (length < kRecords - 12 || records.size() < 12 + size_t{length}) {
        return absl::InvalidArgumentError("batch length");
      }
      if (records[kMagic] != 2) return absl::InvalidArgumentError("magic is not 2");
      Batch batch;
      batch.bytes = std::string(records.substr(0, 12 + length));
      records.remove_prefix(12 + length);
      const auto attributes =
          static_cast<int16_t>((static_cast<uint8_t>(batch.bytes[kAttributes]) << 8) |
                               static_cast<uint8_t>(batch.bytes[kAttributes + 1]));
      std::optional<compression::Codec> codec = compression::CodecFromAttributes(attributes);
      if (!codec.has_value()) return absl::InvalidArgumentError("codec");
      batch.codec = *codec;
      absl::StatusOr<std::string> plain = compression::Decompress(
          batch.codec, absl::string_view(batch.bytes).substr(kRecords), 64 << 20);
      if (!plain.ok()) return plain.status();
      batch.plain_records = *std::move(plain);
      batch.record_count =
          static_cast<int32_t>(util::coding::GetBigEndian32(batch.bytes.data() + kRecordCount));
      batch.base_offset = end_offset_;
      std::string base;
      util::coding::AppendBigEndian64(&base, static_cast<uint64_t>(batch.base_offset));
      batch.bytes.replace(kBaseOffset, 8, base);
      end_offset_ += batch.record_count;
      batches_.push_back(std::move(batch));
    }
    return first;
  }

  // The batches holding offsets at or after `offset`, concatenated.
  std::string ReadFrom(int64_t offset) const {
    std::string out;
    for (const Batch& batch : batches_) {
      if (batch.base_offset + batch.record_count > offset) out += batch.bytes;
    }
    return out;
  }

  int64_t end_offset() const { return end_offset_; }
  const std::vector<Batch>& batches() const { return batches_; }

 private:
  std::vector<Batch> batches_;
  int64_t end_offset_ = 0;
};

}  // namespace eventlog::kafka::testing
