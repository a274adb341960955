// Helpers shared by the storage tests: building batches and reading whole
// logs back as plain values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/format/batch_record_iterator.h"
#include "storage/format/record_batch_builder.h"
#include "storage/format/record_batch_format.h"
#include "storage/partition_log.h"
#include "storage/util/status_macros.h"
#include "tests/test_util.h"

namespace eventlog::storage::testing {

struct Rec {
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;

  bool operator==(const Rec&) const = default;
};

inline Rec ToRec(const RecordView& v) {
  Rec r{v.offset, v.timestamp_ms, std::string(v.key), std::string(v.value), {}};
  for (const HeaderView& h : v.headers)
    r.headers.emplace_back(std::string(h.key), std::string(h.value));
  return r;
}

inline std::ostream& operator<<(std::ostream& os, const Rec& r) {
  return os << "{" << r.offset << " @" << r.timestamp_ms << " " << r.key << "=" << r.value << "}";
}

// A batch of records "<prefix><i>" (key "k<i % keys>" unless keys == 0).
inline RecordBatchBuilder MakeBatch(int count, absl::string_view prefix, int64_t timestamp_ms,
                                    int keys = 0) {
  RecordBatchBuilder b;
  for (int i = 0; i < count; ++i) {
    std::string key = keys > 0 ? absl::StrCat("k", i % keys) : "";
    std::string value = absl::StrCat(prefix, i);
    b.Add(key, value, {}, timestamp_ms);
  }
  return b;
}

inline RecordBatchBuilder One(absl::string_view key, absl::string_view value, int64_t ts) {
  RecordBatchBuilder b;
  b.Add(key, value, {}, ts);
  return b;
}

// Reads [from, high watermark) in reads of `max_records`.
inline absl::StatusOr<std::vector<Rec>> ReadAll(const PartitionLog& log, int64_t from = -1,
                                                int32_t max_records = 7) {
  std::vector<Rec> out;
  int64_t offset = from < 0 ? log.log_start_offset() : from;
  while (true) {
    absl::StatusOr<ReadResult> r = log.Read(offset, max_records, 1 << 20);
    if (!r.ok()) return r.status();
    for (const RecordView& v : r->records) out.push_back(ToRec(v));
    if (r->records.empty() && r->next_offset >= r->high_watermark) break;
    if (r->next_offset <= offset && r->records.empty()) {
      return absl::InternalError("read made no progress");
    }
    offset = r->next_offset;
  }
  return out;
}

// Reads [from, high watermark) as whole batches (ReadBatches, `max_bytes`
// per read), checks that each is a sound magic 2 batch, and decodes the
// records at or after `from`.
inline absl::StatusOr<std::vector<Rec>> ReadAllBatches(const PartitionLog& log, int64_t from = -1,
                                                       int64_t max_bytes = 1000) {
  std::vector<Rec> out;
  int64_t offset = from < 0 ? log.log_start_offset() : from;
  while (true) {
    absl::StatusOr<BatchReadResult> r = log.ReadBatches(offset, max_bytes);
    if (!r.ok()) return r.status();
    if (r->batches.empty()) break;
    for (absl::string_view batch : r->batches) {
      if (static_cast<uint8_t>(batch[format::kMagicPos]) != format::kMagicV2) {
        return absl::InternalError("a batch that is not magic 2");
      }
      if (absl::Status s = format::VerifyBatch(batch, "read"); !s.ok()) return s;
      const format::BatchHeader header = format::DecodeBatchHeader(batch.data());
      BatchRecordIterator records(header, batch);
      RecordView view;
      while (true) {
        absl::StatusOr<bool> more = records.Next(&view);
        if (!more.ok()) return more.status();
        if (!*more) break;
        if (view.offset >= offset) out.push_back(ToRec(view));
      }
    }
    if (r->next_offset <= offset) return absl::InternalError("batch read made no progress");
    offset = r->next_offset;
  }
  return out;
}

}  // namespace eventlog::storage::testing
