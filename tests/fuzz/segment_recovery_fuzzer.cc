// Fuzz target: recovery of a partition whose segment files hold arbitrary
// bytes (storage/partition_recovery.h via Store::Open), then every read path
// over what recovery kept: Read from start to end, OffsetForTimestamp,
// retention or compaction, and one more append.
//
// A template data directory is made once: topic "d" (DELETE) and topic "c"
// (COMPACT), one partition each, two segments each (a sealed one and the
// active one) with index entries in LevelDB. Each input runs on a fresh copy.
//
// Input: flags byte, a timestamp to look up (i64), then (bit 3) an extra segment, then the segment
// bytes.
//   bit 0: replace the sealed (first) segment instead of the active one
//   bit 1: fix every batch's crc first (reach past checksum checks)
//   bit 2: delete the LevelDB folder (recovery rebuilds from topic.meta)
//   bit 3: u32 base offset + u16-length chunk: an extra segment file
//   bit 4: damage topic "c" (COMPACT) instead of "d" (DELETE)
// Checks, besides "no crash, no sanitizer report": reads return ascending
// offsets in [requested, high watermark); a log that opens accepts an append
// and reads it back.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "storage/format/record_batch_builder.h"
#include "storage/layout.h"
#include "storage/store.h"
#include "tests/fuzz/batch_crc.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/temp_dir.h"

namespace eventlog::fuzz {
namespace {

namespace stdfs = std::filesystem;
using storage::Durability;
using storage::PartitionLog;
using storage::RecordBatchBuilder;
using storage::Store;
using storage::StoreOptions;

constexpr int64_t kSegmentBytes = 600;

StoreOptions Options(const std::string& data_dir) {
  StoreOptions o;
  o.data_dir = data_dir;
  o.cleanup_interval_ms = 0;
  o.index_interval_bytes = 128;  // several index entries per segment
  return o;
}

// Builds the template: the two topics, each with a sealed and an active
// segment. Aborts if the store misbehaves on valid data.
void MakeTemplate(const std::string& data_dir) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(Options(data_dir));
  FUZZ_CHECK(store.ok());
  for (const char* name : {"d", "c"}) {
    storage::LogConfig config;
    config.segment_bytes = kSegmentBytes;
    if (name[0] == 'c') config.cleanup_policy = storage::CleanupPolicy::kCompact;
    absl::StatusOr<std::shared_ptr<storage::Topic>> topic = (*store)->CreateTopic(name, 1, config);
    FUZZ_CHECK(topic.ok());
    std::shared_ptr<PartitionLog> log = (*topic)->partition(0);
    for (int i = 0; i < 12; ++i) {
      RecordBatchBuilder batch;
      const std::string key = "k" + std::to_string(i % 3);
      const std::string value(40 + i, static_cast<char>('a' + i));
      const storage::HeaderView header{"h", "v"};
      batch.Add(key, value, {&header, 1}, 1000 + i * 10);
      batch.Add("", value, {}, 1005 + i * 10);
      FUZZ_CHECK(log->Append(std::move(batch), Durability::kAll).ok());
    }
  }
  FUZZ_CHECK((*store)->Close().ok());
}

// Segment files of a partition folder, by base offset.
std::vector<stdfs::path> Segments(const stdfs::path& dir) {
  std::vector<stdfs::path> out;
  for (const stdfs::directory_entry& e : stdfs::directory_iterator(dir)) {
    int64_t base;
    if (storage::layout::ParsePartitionFileName(e.path().filename().string(), &base) ==
        storage::layout::PartitionFile::kSegment) {
      out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

void WriteFile(const stdfs::path& path, absl::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Reads the whole log front to back; skips past damaged offsets (bounded).
void ReadAll(const PartitionLog& log) {
  int64_t offset = log.log_start_offset();
  for (int steps = 0; steps < 200 && offset < log.high_watermark(); ++steps) {
    absl::StatusOr<storage::ReadResult> read = log.Read(offset, 50, 4096);
    if (!read.ok()) {
      ++offset;  // damage: try the next offset
      continue;
    }
    int64_t previous = offset - 1;
    for (const storage::RecordView& r : read->records) {
      FUZZ_CHECK(r.offset > previous && r.offset < read->high_watermark);
      previous = r.offset;
    }
    if (read->next_offset <= offset) break;  // at the end
    offset = read->next_offset;
  }
}

// A fresh copy of the template. libFuzzer's timeout alarm (SIGALRM) can
// interrupt the kernel copy under stdfs::copy, which reports EINTR instead of
// retrying: copy again then.
void CopyTemplate(const stdfs::path& from, const stdfs::path& to) {
  for (int attempt = 0;; ++attempt) {
    stdfs::remove_all(to);
    std::error_code error;
    stdfs::copy(from, to, stdfs::copy_options::recursive, error);
    if (!error) return;
    FUZZ_CHECK(error == std::errc::interrupted && attempt < 100);
  }
}

void CheckAppendReadsBack(PartitionLog& log) {
  if (log.high_watermark() > (int64_t{1} << 62)) return;  // no room to test sanely
  RecordBatchBuilder batch;
  batch.Add("fuzz-key", "fuzz-value", {}, 5000);
  absl::StatusOr<storage::AppendResult> appended = log.Append(std::move(batch), Durability::kAll);
  FUZZ_CHECK(appended.ok());
  absl::StatusOr<storage::ReadResult> read = log.Read(appended->base_offset, 1, 1 << 20);
  FUZZ_CHECK(read.ok() && read->records.size() == 1);
  FUZZ_CHECK(read->records[0].offset == appended->base_offset);
  FUZZ_CHECK(read->records[0].key == "fuzz-key" && read->records[0].value == "fuzz-value");
}

void Run(const std::string& data_dir, const std::string& topic_name, int64_t probe_ts) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(Options(data_dir));
  if (!store.ok()) return;  // refusing a damaged directory is fine; crashing is not
  absl::StatusOr<std::shared_ptr<storage::Topic>> topic = (*store)->GetTopic(topic_name);
  if (topic.ok()) {
    std::shared_ptr<PartitionLog> log = (*topic)->partition(0);
    FUZZ_CHECK(log != nullptr);
    FUZZ_CHECK(log->log_start_offset() <= log->high_watermark());
    ReadAll(*log);
    for (int64_t ts : {std::numeric_limits<int64_t>::min(), int64_t{0}, int64_t{1050},
                       std::numeric_limits<int64_t>::max(), probe_ts}) {
      absl::StatusOr<int64_t> offset = log->OffsetForTimestamp(ts);
      if (offset.ok()) FUZZ_CHECK(*offset <= log->high_watermark());
    }
    (void)log->EnforceRetention();
    (void)log->Compact();
    ReadAll(*log);
    CheckAppendReadsBack(*log);
  }
  (void)(*store)->Close();
}

}  // namespace
}  // namespace eventlog::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace eventlog::fuzz;
  static const eventlog::testing::TempDir dir;
  static const stdfs::path template_dir = stdfs::path(dir.path()) / "template";
  static const stdfs::path work_dir = stdfs::path(dir.path()) / "work";
  static const bool made = (MakeTemplate(template_dir.string()), true);
  (void)made;

  FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  const int64_t probe_ts = in.I64();
  uint32_t extra_base = 0;
  std::string extra;
  if (flags & 8) {
    extra_base = in.U32();
    extra = std::string(in.Chunk());
  }
  std::string bytes(in.Rest());
  if (flags & 2) {
    FixBatchCrcs(&bytes);
    FixBatchCrcs(&extra);
  }

  CopyTemplate(template_dir, work_dir);
  // Topic ids are given in creation order: "d" is 1, "c" is 2.
  const bool compact = (flags & 16) != 0;
  const stdfs::path partition_dir = work_dir / "topics" / (compact ? "2" : "1") / "0";
  const std::vector<stdfs::path> segments = Segments(partition_dir);
  FUZZ_CHECK(segments.size() >= 2);
  WriteFile((flags & 1) ? segments.front() : segments.back(), bytes);
  if (flags & 8) {
    WriteFile(partition_dir / eventlog::storage::layout::SegmentFileName(extra_base), extra);
  }
  if (flags & 4) stdfs::remove_all(work_dir / "index");

  Run(work_dir.string(), compact ? "c" : "d", probe_ts);
  return 0;
}
