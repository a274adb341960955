// Fuzz target: the record batch decoder (storage/record_batch_format.h) and
// the segment reader that walks batches in a file.
//
// Input: one flags byte, then segment bytes (batches back to back).
//   flags bit 0: fix every batch's crc first (reach the record decoder)
//   flags bit 1: the reader keeps its chunks (the read path's mode)
// Checks, besides "no crash, no sanitizer report":
//  - a batch the reader returns passes VerifyBatch;
//  - DecodeRecord and SkipRecord agree on every record's end and offset;
//  - records that decode re-encode (RecordBatchBuilder) to records that
//    decode to the same key, value, headers and timestamp.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

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
  format::BatchHeader h;
  h.base_offset = 0;
  h.batch_length = static_cast<uint32_t>(format::kBatchHeaderSize + builder.size_bytes());
  h.last_offset_delta = builder.record_count() - 1;
  h.record_count = builder.record_count();
  h.first_timestamp_ms = builder.first_timestamp_ms();
  h.max_timestamp_ms = builder.max_timestamp_ms();
  std::string batch(format::kBatchHeaderSize, '\0');
  format::EncodeBatchHeader(h, batch.data());
  batch += builder.encoded_records();
  h.crc = format::ComputeCrc(batch);
  format::EncodeBatchHeader(h, batch.data());
  FUZZ_CHECK(format::VerifyBatch(batch, "round trip").ok());

  const char* p = batch.data() + format::kBatchHeaderSize;
  const char* end = batch.data() + batch.size();
  RecordView decoded;
  for (size_t i = 0; i < records.size(); ++i) {
    FUZZ_CHECK(format::DecodeRecord(h, &p, end, &decoded));
    FUZZ_CHECK(decoded.offset == static_cast<int64_t>(i));
    FUZZ_CHECK(SameRecord(decoded, records[i]));
  }
  FUZZ_CHECK(p == end);
}

// Decodes the records of one batch (whatever its crc says), as every reader
// does after verification.
void DecodeRecords(const format::BatchHeader& h, absl::string_view batch) {
  const char* p = batch.data() + format::kBatchHeaderSize;
  const char* const end = batch.data() + batch.size();
  std::vector<RecordView> records;
  for (int32_t i = 0; i < h.record_count; ++i) {
    const char* skip = p;
    uint32_t delta = 0;
    const bool skipped = format::SkipRecord(&skip, end, &delta);
    RecordView view;
    const char* start = p;
    if (!format::DecodeRecord(h, &p, end, &view)) break;
    FUZZ_CHECK(skipped && skip == p && p > start);
    FUZZ_CHECK(static_cast<uint32_t>(static_cast<uint64_t>(view.offset) -
                                     static_cast<uint64_t>(h.base_offset)) == delta);
    records.push_back(view);
  }
  // Header fields every reader derives from a sane header.
  (void)h.last_offset();
  (void)h.next_offset();
  CheckRoundTrip(records);
}

// The batches in memory, as recovery and compaction see them.
void DecodeInMemory(absl::string_view bytes) {
  while (bytes.size() >= format::kBatchHeaderSize) {
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
