// Fuzz target: the record batch decoders (storage/format/record_batch_format.h,
// both magics, compressed batches through BatchRecordIterator), the
// validation of a Kafka producer's batch (RecordBatchBuilder::FromKafkaBatch)
// and the segment reader that walks batches in a file.
//
// Input: one flags byte, then segment bytes (batches back to back).
//   flags bit 0: fix every batch's crc first (reach the record decoder)
//   flags bit 1: the reader keeps its chunks (the read path's mode)
// Checks, besides "no crash, no sanitizer report":
//  - a batch the reader returns passes VerifyBatch;
//  - records that decode re-encode (RecordBatchBuilder) to records that
//    decode to the same key, value, headers and timestamp;
//  - a batch FromKafkaBatch accepts decodes record by record, its offsets
//    in order.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "storage/format/batch_record_iterator.h"
#include "storage/format/record.h"
#include "storage/format/record_batch_builder.h"
#include "storage/format/record_batch_format.h"
#include "storage/layout.h"
#include "storage/log/segment.h"
#include "storage/log/segment_reader.h"
#include "tests/fuzz/batch_crc.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/temp_dir.h"

namespace eventlog::fuzz {
namespace {

namespace format = storage::format;
using storage::HeaderView;
using storage::RecordView;

bool SameRecord(const RecordView& a, const RecordView& b) {
  if (a.key != b.key || a.value != b.value || a.timestamp_ms != b.timestamp_ms ||
      a.headers.size() != b.headers.size()) {
    return false;
  }
  for (size_t i = 0; i < a.headers.size(); ++i) {
    if (a.headers[i].key != b.headers[i].key || a.headers[i].value != b.headers[i].value) {
      return false;
    }
  }
  return true;
}

// Encodes `records` as one batch the way the partition log does and checks
// that they decode back unchanged.
void CheckRoundTrip(const std::vector<RecordView>& records) {
  if (records.empty()) return;
  storage::RecordBatchBuilder builder;
  for (const RecordView& r : records) builder.Add(r.key, r.value, r.headers, r.timestamp_ms);
  const std::string batch = builder.Seal();
  FUZZ_CHECK(format::VerifyBatch(batch, "round trip").ok());
  const format::BatchHeader h = format::DecodeBatchHeader(batch.data());
  storage::BatchRecordIterator it(h, batch);
  RecordView decoded;
  for (size_t i = 0; i < records.size(); ++i) {
    absl::StatusOr<bool> next = it.Next(&decoded);
    FUZZ_CHECK(next.ok() && *next);
    FUZZ_CHECK(decoded.offset == static_cast<int64_t>(i));
    FUZZ_CHECK(SameRecord(decoded, records[i]));
  }
  absl::StatusOr<bool> done = it.Next(&decoded);
  FUZZ_CHECK(done.ok() && !*done);
}

// Decodes the records of one batch (whatever its crc says), as every reader
// does after verification; a small bound keeps decompression bombs cheap.
void DecodeRecords(const format::BatchHeader& h, absl::string_view batch) {
  storage::BatchRecordIterator it(h, batch, 1 << 20);
  std::vector<RecordView> records;
  std::shared_ptr<const std::string> keep;
  while (true) {
    RecordView view;
    absl::StatusOr<bool> next = it.Next(&view);
    if (!next.ok() || !*next) break;
    FUZZ_CHECK(view.offset >= h.base_offset && view.offset <= h.last_offset());
    records.push_back(view);
  }
  keep = it.decompressed();
  // Header fields every reader derives from a sane header.
  (void)h.last_offset();
  (void)h.next_offset();
  CheckRoundTrip(records);
  // As a Kafka producer's batch.
  absl::StatusOr<storage::RecordBatchBuilder> taken =
      storage::RecordBatchBuilder::FromKafkaBatch(std::string(batch), 1 << 20);
  if (taken.ok()) {
    FUZZ_CHECK(taken->record_count() == h.record_count);
    FUZZ_CHECK(static_cast<int64_t>(records.size()) == h.record_count);
  }
}

// The batches in memory, as recovery and compaction see them.
void DecodeInMemory(absl::string_view bytes) {
  while (bytes.size() >= format::kHeaderPrefixSize) {
    const size_t header_size = format::HeaderSizeOf(bytes.data());
    if (header_size == 0 || bytes.size() < header_size) return;
    const format::BatchHeader h = format::DecodeBatchHeader(bytes.data());
    if (!format::CheckBatchHeader(h).ok()) return;
    const absl::string_view batch = bytes.substr(0, h.batch_length);
    const bool verified = format::VerifyBatch(batch, "fuzz input").ok();
    if (verified) FUZZ_CHECK(batch.size() == h.batch_length);
    DecodeRecords(h, batch);
    bytes.remove_prefix(batch.size());
  }
}

// The same bytes through SegmentReader on a real file.
void ReadSegmentFile(const std::string& path, absl::string_view bytes, bool keep_chunks) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  absl::StatusOr<std::shared_ptr<storage::Segment>> segment = storage::Segment::Open(
      *storage::fs::FileSystem::Default(), path, 0, storage::fs::OpenMode::kExisting);
  FUZZ_CHECK(segment.ok());
  storage::SegmentReader reader(*segment, 0, (*segment)->size(), 64, 4096, keep_chunks);
  while (true) {
    storage::SegmentReader::Batch batch;
    absl::StatusOr<bool> next = reader.Next(&batch);
    if (!next.ok()) {
      FUZZ_CHECK(next.status().code() == absl::StatusCode::kDataLoss);
      FUZZ_CHECK(reader.damage() != storage::SegmentReader::Damage::kNone);
      if (!reader.SkipDamaged()) break;
      continue;
    }
    if (!*next) break;
    FUZZ_CHECK(format::VerifyBatch(batch.bytes, "reader").ok());
    DecodeRecords(batch.header, batch.bytes);
  }
}

}  // namespace
}  // namespace eventlog::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace eventlog::fuzz;
  static const eventlog::testing::TempDir dir;  // one file, rewritten per input
  static const std::string path = dir.path() + "/" + eventlog::storage::layout::SegmentFileName(0);
  FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  std::string bytes(in.Rest());
  if (flags & 1) FixBatchCrcs(&bytes);
  DecodeInMemory(bytes);
  ReadSegmentFile(path, bytes, (flags & 2) != 0);
  return 0;
}
