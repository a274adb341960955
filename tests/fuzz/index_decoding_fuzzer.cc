// Fuzz target: decoding of the store's LevelDB keys and values
// (storage/layout.h key spaces): the offset index, the time index, the
// committed-offset store and the topic registry, over a LevelDB (in memory)
// holding arbitrary entries next to well-formed ones.
//
// Input: three i64 probe values (offsets made non-negative), then entries
// until the input ends, each
//   u8 space, u8-length key suffix, u8-length value
// where space % 6 picks the key's prefix: 0 offset index and 1 time index of
// (topic 1, partition 0), 2 committed offsets ('c'), 3 topic records ('t'),
// 4 the topic id counter (the suffix is ignored), 5 none (raw key).
// Checks, besides "no crash, no sanitizer report": lookups return entries
// on the right side of their probe, ranges ascending and in bounds, and a
// topic record that decodes re-encodes to the same bytes.
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "leveldb/db.h"
#include "leveldb/env.h"
#include "leveldb/helpers/memenv.h"
#include "storage/layout.h"
#include "storage/leveldb_offset_store.h"
#include "storage/log/offset_index.h"
#include "storage/log/time_index.h"
#include "storage/topic_registry.h"
#include "storage/util/coding.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/fuzz_input.h"

namespace eventlog::fuzz {
namespace {

namespace keys = storage::layout;
using storage::OffsetIndex;
using storage::OffsetIndexEntry;
using storage::TimeIndex;
using storage::TimeIndexEntry;

constexpr uint64_t kTopicId = 1;
constexpr int32_t kPartition = 0;

std::unique_ptr<leveldb::DB> OpenMemDb(leveldb::Env* env) {
  leveldb::Options options;
  options.env = env;
  options.create_if_missing = true;
  options.error_if_exists = true;
  leveldb::DB* db = nullptr;
  FUZZ_CHECK(leveldb::DB::Open(options, "/fuzz-index", &db).ok());
  return std::unique_ptr<leveldb::DB>(db);
}

void Fill(leveldb::DB* db, FuzzInput& in) {
  // A few well-formed entries, so lookups have neighbours to confuse.
  leveldb::WriteBatch batch;
  const OffsetIndex offsets(db, kTopicId, kPartition);
  const TimeIndex times(db, kTopicId, kPartition);
  for (int64_t i = 0; i < 4; ++i) {
    offsets.Put(OffsetIndexEntry{i * 10, 0, i * 100, i * 1000}, &batch);
    times.Put(TimeIndexEntry{i * 1000, i * 10}, &batch);
  }
  while (!in.empty()) {
    const uint8_t space = in.Byte() % 8;
    std::string key;
    switch (space) {
      case 0:
        key = keys::PartitionPrefix(keys::kOffsetIndex, kTopicId, kPartition);
        break;
      case 1:
        key = keys::PartitionPrefix(keys::kTimeIndex, kTopicId, kPartition);
        break;
      case 2:
        key = std::string(1, keys::kCommitted);
        break;
      case 3:
        key = std::string(1, keys::kTopic);
        break;
      case 4:
        key = keys::StoreMetaKey(keys::kNextTopicId);
        break;
      case 5:
        key = std::string(1, keys::kLegacyCommitted);
        break;
      case 6:
        key = std::string(1, keys::kGroupEpoch);
        break;
      default:
        break;
    }
    const absl::string_view suffix = in.Bytes(in.Byte());
    if (space != 4) key.append(suffix.data(), suffix.size());
    const absl::string_view value = in.Bytes(in.Byte());
    batch.Put(key, leveldb::Slice(value.data(), value.size()));
  }
  FUZZ_CHECK(db->Write(leveldb::WriteOptions(), &batch).ok());
}

void CheckOffsetIndex(leveldb::DB* db, int64_t a, int64_t b) {
  const OffsetIndex index(db, kTopicId, kPartition);
  absl::StatusOr<std::optional<OffsetIndexEntry>> floor = index.Floor(a);
  if (floor.ok() && floor->has_value()) FUZZ_CHECK((*floor)->batch_base_offset <= a);
  absl::StatusOr<std::optional<OffsetIndexEntry>> ceiling = index.Ceiling(a);
  if (ceiling.ok() && ceiling->has_value()) FUZZ_CHECK((*ceiling)->batch_base_offset >= a);
  (void)index.Last();
  absl::StatusOr<std::vector<OffsetIndexEntry>> range = index.Range(a, b);
  if (range.ok()) {
    for (size_t i = 0; i < range->size(); ++i) {
      const int64_t base = (*range)[i].batch_base_offset;
      FUZZ_CHECK(base >= a && base < b);
      if (i > 0) FUZZ_CHECK((*range)[i - 1].batch_base_offset < base);
    }
  }
  leveldb::WriteBatch drop;
  (void)index.DeleteRange(a, b, &drop);
}

void CheckTimeIndex(leveldb::DB* db, int64_t ts, int64_t offset) {
  const TimeIndex index(db, kTopicId, kPartition);
  absl::StatusOr<std::optional<TimeIndexEntry>> before = index.LastBefore(ts);
  if (before.ok() && before->has_value()) FUZZ_CHECK((*before)->max_timestamp_before < ts);
  (void)index.All();
  leveldb::WriteBatch drop;
  (void)index.DeleteBelow(offset, &drop);
  (void)index.DeleteFrom(offset, &drop);
}

void CheckOffsetStore(leveldb::DB* db) {
  storage::LevelDbOffsetStore store(db);
  absl::StatusOr<std::vector<std::string>> groups = store.ListGroups();
  if (groups.ok()) {
    for (const std::string& group : *groups) {
      (void)store.GroupEpoch(group);
      absl::StatusOr<std::map<uint64_t, std::map<int32_t, storage::CommittedOffset>>> all =
          store.GetGroup(group);
      if (!all.ok()) continue;
      for (const auto& [topic_id, partitions] : *all) {
        (void)store.GetAll(group, topic_id);
        for (const auto& [partition, committed] : partitions) {
          absl::StatusOr<std::optional<storage::CommittedOffset>> one =
              store.Get(group, topic_id, partition);
          FUZZ_CHECK(one.ok() && one->has_value() && (*one)->offset == committed.offset &&
                     (*one)->metadata == committed.metadata);
        }
      }
    }
  }
  leveldb::WriteBatch batch;
  (void)store.DeleteTopicsInBatch([](uint64_t id) { return id % 2 == 0; }, &batch);
  // Layout 1 -> 2: whatever the old keys hold, the migration decodes safely.
  (void)storage::LevelDbOffsetStore::MigrateNameKeys(
      db, [](absl::string_view name) -> uint64_t { return name.size(); }, &batch);
  store.Detach();
}

void CheckRegistry(leveldb::DB* db) {
  const storage::TopicRegistry registry(db);
  (void)registry.LoadNextId();
  absl::StatusOr<std::vector<storage::TopicRecord>> topics = registry.LoadAll();
  if (!topics.ok()) return;
  for (const storage::TopicRecord& record : *topics) {
    std::string value;
    FUZZ_CHECK(db->Get(leveldb::ReadOptions(), keys::TopicKey(record.id), &value).ok());
    // Older record versions re-encode as the current one, stably.
    const std::string encoded = storage::TopicRegistry::Encode(record);
    absl::StatusOr<storage::TopicRecord> again = storage::TopicRegistry::Decode(record.id, encoded);
    FUZZ_CHECK(again.ok() && storage::TopicRegistry::Encode(*again) == encoded);
  }
}

}  // namespace
}  // namespace eventlog::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace eventlog::fuzz;
  FuzzInput in(data, size);
  // Offsets are never negative (offset_index.h); timestamps may be.
  const int64_t a = in.I64() & std::numeric_limits<int64_t>::max();
  const int64_t b = in.I64() & std::numeric_limits<int64_t>::max();
  const int64_t c = in.I64();
  const int64_t c_offset = c & std::numeric_limits<int64_t>::max();
  std::unique_ptr<leveldb::Env> env(leveldb::NewMemEnv(leveldb::Env::Default()));
  {
    std::unique_ptr<leveldb::DB> db = OpenMemDb(env.get());
    Fill(db.get(), in);
    CheckOffsetIndex(db.get(), a, b);
    CheckOffsetIndex(db.get(), c_offset, a);
    CheckTimeIndex(db.get(), a, b);
    CheckTimeIndex(db.get(), c, c_offset);
    CheckOffsetStore(db.get());
    CheckRegistry(db.get());
  }
  return 0;
}
