// Randomized crash consistency: sequences of appends (both acks), flushes,
// reads, rolls, retention, compaction, offset commits and sync failures, cut
// by simulated power losses at random points (including every step inside
// roll, retention and compaction, via CrashAfter), on the fault-injecting
// file system. After each power loss the store is reopened and the
// invariants of docs/storage-format.md are checked:
//  - the store opens, and its logs read from start to end without DATA_LOSS
//    (no permanent hole from an unacknowledged write);
//  - every acknowledged record is there byte for byte (unless retention or,
//    for a compacted topic, a newer record of its key removed it);
//  - no offset a reader was shown reads different content or disappears
//    (same exceptions); offsets are never handed out twice;
//  - committed offsets are the last acknowledged commit (or one in flight at
//    the crash) and never exceed the recovered high watermark.
//
// Seeded and repeatable: EVENTLOG_CRASH_SEED picks the first seed (default 1)
// and EVENTLOG_CRASH_SEEDS how many (default 100; docs/storage-format.md
// has the longer run).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "storage/disk_store.h"
#include "storage/layout.h"
#include "tests/storage/fs/fault_injection_file_system.h"
#include "tests/storage/store_fixture.h"
#include "tests/test_util.h"

namespace eventlog::storage::testing {
namespace {

using Torn = FaultInjectionFileSystem::TornWrites;

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  int64_t parsed;
  return value != nullptr && absl::SimpleAtoi(value, &parsed) ? parsed : fallback;
}

// What the test knows about one partition.
struct PartitionModel {
  std::map<int64_t, std::string> durable;  // acknowledged (ACKS_ALL or flushed) or seen
  std::map<int64_t, std::string> key_of;   // offset -> key (compacted topic)
  std::vector<std::pair<int64_t, std::string>> pending;  // ACKS_LEADER, not yet flushed
  int64_t committed = -1;                                // last acknowledged commit
  std::set<int64_t> commits_in_flight;                   // attempted after it
};

class CrashRun {
 public:
  CrashRun(uint64_t seed, const std::string& dir)
      : seed_(seed), rng_(seed), root_(dir + "/data"), fs_(root_) {}

  void Run() {
    ASSERT_NO_FATAL_FAILURE(Open());
    ASSERT_OK(store_->CreateTopic("log", 2, LogConfigFor(false)).status());
    ASSERT_OK(store_->CreateTopic("kv", 1, LogConfigFor(true)).status());
    const int crashes = 2 + static_cast<int>(rng_() % 4);
    for (int crash = 0; crash < crashes; ++crash) {
      SCOPED_TRACE(absl::StrCat("seed ", seed_, " crash ", crash));
      const int steps = 10 + static_cast<int>(rng_() % 60);
      // Where the machine stops: between two operations, or inside one.
      const bool inside = rng_() % 2 == 0;
      if (inside) fs_.CrashAfter(1 + static_cast<int64_t>(rng_() % 80));
      // Sometimes a disk starts failing syncs first.
      if (rng_() % 5 == 0) fs_.FailSyncs("", static_cast<int>(rng_() % 20));
      for (int i = 0; i < steps && !fs_.crashed(); ++i) ASSERT_NO_FATAL_FAILURE(Step());
      fs_.Crash();
      Trace("power loss");
      ASSERT_NO_FATAL_FAILURE(PowerLossAndCheck());
    }
  }

 private:
  static constexpr int64_t kNow = 1'700'000'000'000;

  LogConfig LogConfigFor(bool compacted) {
    LogConfig config;
    config.segment_bytes = 400 + static_cast<int64_t>(rng_() % 800);
    if (compacted) {
      config.cleanup_policy = CleanupPolicy::kCompact;
      config.delete_retention_ms = 1LL << 40;  // tombstones stay: keeps the model simple
    } else {
      config.retention_bytes = 1500 + static_cast<int64_t>(rng_() % 3000);
    }
    return config;
  }

  void Open() {
    StoreOptions options;
    options.data_dir = root_;
    options.clock = &clock_;
    options.file_system = &fs_;
    options.cleanup_interval_ms = 0;
    options.flush_interval_ms = 0;
    options.min_free_bytes = 0;
    options.index_interval_bytes = 128 + static_cast<int64_t>(rng_() % 512);
    options.on_storage_failure = [this](const absl::Status&) { ++storage_failures_; };
    absl::StatusOr<std::unique_ptr<DiskStore>> store = DiskStore::Open(options);
    ASSERT_OK(store.status());
    store_ = *std::move(store);
  }

  std::shared_ptr<PartitionLog> Log(const std::string& topic, int32_t partition) {
    return store_->GetTopic(topic).value()->partition(partition);
  }

  PartitionModel& Model(const std::string& topic, int32_t partition) {
    return models_[{topic, partition}];
  }

  void Trace(const std::string& line) {
    if (std::getenv("EVENTLOG_CRASH_VERBOSE") != nullptr)
      std::fprintf(stderr, "%s\n", line.c_str());
  }

  // One random operation.
  void Step() {
    const bool kv = rng_() % 3 == 0;
    const std::string topic = kv ? "kv" : "log";
    const int32_t partition = kv ? 0 : static_cast<int32_t>(rng_() % 2);
    std::shared_ptr<PartitionLog> log = Log(topic, partition);
    PartitionModel& model = Model(topic, partition);
    switch (rng_() % 10) {
      case 0:
      case 1:
      case 2:
      case 3: {  // append
        const bool all = rng_() % 3 != 0;
        RecordBatchBuilder batch;
        std::vector<std::pair<std::string, std::string>> records;
        const int n = 1 + static_cast<int>(rng_() % 5);
        for (int i = 0; i < n; ++i) {
          std::string key = kv ? absl::StrCat("k", rng_() % 6) : "";
          std::string value = absl::StrCat("v", next_value_++, std::string(rng_() % 60, 'x'));
          batch.Add(key, value, {}, clock_.NowMs());
          records.emplace_back(std::move(key), std::move(value));
        }
        absl::StatusOr<AppendResult> r =
            log->Append(std::move(batch), all ? Durability::kAll : Durability::kLeader);
        Trace(absl::StrCat(topic, "/", partition, all ? " append all " : " append leader ", n,
                           " -> ", r.ok() ? absl::StrCat(r->base_offset) : r.status().ToString()));
        if (!r.ok()) return;  // a crash or a failed store: nothing acknowledged
        for (int i = 0; i < n; ++i) {
          const int64_t offset = r->base_offset + i;
          if (kv) model.key_of[offset] = records[i].first;
          if (all) {
            model.durable[offset] = records[i].second;
          } else {
            model.pending.emplace_back(offset, records[i].second);
          }
        }
        if (all) Promote(model, r->base_offset);  // all before it is durable too
        break;
      }
      case 4: {  // flush
        const int64_t end = log->log_end_offset();
        absl::Status flushed = log->Flush();
        Trace(absl::StrCat(topic, "/", partition, " flush ", end, " ", flushed.ToString()));
        if (flushed.ok()) Promote(model, end);
        break;
      }
      case 5:
      case 6: {  // read
        const int64_t start = log->log_start_offset();
        const int64_t hw = log->high_watermark();
        const int64_t from = start + static_cast<int64_t>(rng_() % (hw - start + 1));
        absl::StatusOr<ReadResult> read = log->Read(from, 10, 1 << 20);
        if (!read.ok()) {
          // Only the store failing or the machine stopping may fail a read.
          EXPECT_TRUE(absl::IsUnavailable(read.status()) || fs_.crashed()) << read.status();
          return;
        }
        for (const RecordView& record : read->records) {
          Seen(model, record.offset, std::string(record.value));
          if (kv) model.key_of[record.offset] = std::string(record.key);
        }
        break;
      }
      case 7:  // retention and compaction
        Trace(absl::StrCat("cleanup ", store_->RunCleanup().ToString()));
        break;
      case 8: {  // commit
        const int64_t offset = static_cast<int64_t>(rng_() % (log->high_watermark() + 1));
        absl::Status s = store_->offsets().Commit("g", store_->GetTopic(topic).value()->id(),
                                                  partition, offset, "");
        if (s.ok()) {
          model.committed = offset;
          model.commits_in_flight.clear();
        } else {
          model.commits_in_flight.insert(offset);
        }
        break;
      }
      case 9:
        clock_.AdvanceMs(static_cast<int64_t>(rng_() % 5000));
        break;
    }
  }

  // ACKS_LEADER records up to `end` became durable.
  static void Promote(PartitionModel& model, int64_t end) {
    std::vector<std::pair<int64_t, std::string>> still;
    for (auto& [offset, value] : model.pending) {
      if (offset < end) {
        model.durable[offset] = value;
      } else {
        still.emplace_back(offset, value);
      }
    }
    model.pending = std::move(still);
  }

  void Seen(PartitionModel& model, int64_t offset, const std::string& value) {
    auto it = model.durable.find(offset);
    if (it != model.durable.end()) {
      EXPECT_EQ(it->second, value) << "offset " << offset << " showed two contents";
    }
    model.durable[offset] = value;
    // A reader saw it: it and everything before it are durable.
    Promote(model, offset + 1);
  }

  void PowerLossAndCheck() {
    store_.reset();  // the machine is off: nothing more reaches the disk
    const Torn torn = static_cast<Torn>(rng_() % 3);
    ASSERT_OK(fs_.PowerLoss(torn, rng_()));
    if (std::getenv("EVENTLOG_CRASH_VERBOSE") != nullptr) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(root_ + "/topics")) {
        if (e.is_regular_file()) {
          std::string batches;
          for (const BatchPos& b : Batches(e.path().string())) {
            absl::StrAppend(&batches, " ", b.base_offset, "-", b.next_offset);
          }
          Trace(absl::StrCat("  file ", e.path().string().substr(root_.size()), " ", e.file_size(),
                             ":", batches));
        }
      }
      leveldb::DB* raw = nullptr;
      if (leveldb::DB::Open(leveldb::Options(), root_ + "/index", &raw).ok()) {
        std::unique_ptr<leveldb::DB> db(raw);
        std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
        for (it->Seek("r"); it->Valid() && it->key()[0] == 'r'; it->Next()) {
          Trace(absl::StrCat("  recovery point topic ",
                             util::coding::GetBigEndian64(it->key().data() + 1), "/",
                             util::coding::GetBigEndian32(it->key().data() + 9), " = ",
                             util::coding::GetFixed64(it->value().data())));
        }
      }
    }
    ASSERT_NO_FATAL_FAILURE(Open());
    for (auto& [where, model] : models_) {
      const auto& [topic, partition] = where;
      SCOPED_TRACE(absl::StrCat(topic, "/", partition));
      std::shared_ptr<PartitionLog> log = Log(topic, partition);
      model.pending.clear();  // never acknowledged: gone or not
      const int64_t start = log->log_start_offset();
      const int64_t hw = log->high_watermark();
      // Offsets never go back.
      if (!model.durable.empty()) {
        EXPECT_GT(hw, model.durable.rbegin()->first);
      }
      absl::StatusOr<std::vector<Rec>> all = ReadAll(*log, start, 50);
      if (!all.ok() || std::getenv("EVENTLOG_CRASH_VERBOSE") != nullptr) {
        std::string layout;
        for (int64_t base : store_->TEST_Log(topic, partition)->TEST_SegmentBases()) {
          absl::StrAppend(&layout, " [", base, ":");
          for (const BatchPos& b : Batches(store_->TEST_Log(topic, partition)->dir() + "/" +
                                           layout::SegmentFileName(base))) {
            absl::StrAppend(&layout, " ", b.base_offset, "-", b.next_offset);
          }
          absl::StrAppend(&layout, "]");
        }
        if (!all.ok()) ADD_FAILURE() << "start " << start << " hw " << hw << " segments" << layout;
        Trace(absl::StrCat(topic, "/", partition, " recovered: start ", start, " hw ", hw,
                           " truncated ",
                           store_->TEST_Log(topic, partition)->TEST_recovery_truncated_bytes(),
                           " segments", layout));
      }
      ASSERT_OK(all.status()) << "the log must read from start to end";
      std::map<int64_t, std::string> present;
      std::map<std::string, int64_t> newest_present;
      for (const Rec& r : *all) {
        present[r.offset] = r.value;
        if (topic == "kv") newest_present[r.key] = std::max(newest_present[r.key], r.offset);
      }
      for (const auto& [offset, value] : model.durable) {
        if (offset < start) continue;  // retention
        auto it = present.find(offset);
        if (it == present.end()) {
          // Only compaction removes a durable record, for a newer one.
          ASSERT_EQ(topic, "kv") << "acknowledged or seen offset " << offset << " is gone";
          const std::string& key = model.key_of[offset];
          ASSERT_FALSE(key.empty()) << "keyless record " << offset << " compacted away";
          EXPECT_GT(newest_present[key], offset) << "offset " << offset << " of " << key;
          continue;
        }
        EXPECT_EQ(it->second, value) << "offset " << offset << " changed";
      }
      // What readers can see now is durable: later crashes must keep it. Its
      // keys too: records of an append that failed but reached the disk are
      // known to the model only from here, and compaction may drop them later.
      for (const Rec& r : *all) {
        model.durable[r.offset] = r.value;
        if (topic == "kv") model.key_of[r.offset] = r.key;
      }
      // Committed offsets.
      absl::StatusOr<std::optional<CommittedOffset>> committed =
          store_->offsets().Get("g", store_->GetTopic(topic).value()->id(), partition);
      ASSERT_OK(committed.status());
      if (committed->has_value()) {
        const int64_t c = (*committed)->offset;
        EXPECT_TRUE(c == model.committed || model.commits_in_flight.contains(c))
            << "committed " << c << ", last acknowledged " << model.committed;
        EXPECT_LE(c, hw) << "a committed offset past the recovered high watermark";
        model.committed = c;
      } else {
        EXPECT_EQ(model.committed, -1) << "an acknowledged commit is gone";
      }
      model.commits_in_flight.clear();
      // Appends go on where the log ends.
      absl::StatusOr<AppendResult> next =
          log->Append(MakeBatch(1, absl::StrCat("after-crash-", next_value_++), clock_.NowMs()),
                      Durability::kAll);
      ASSERT_OK(next.status());
      EXPECT_EQ(next->base_offset, hw);
      model.durable[next->base_offset] = absl::StrCat("after-crash-", next_value_ - 1, "0");
      if (topic == "kv") model.key_of[next->base_offset] = "";
    }
  }

  const uint64_t seed_;
  std::mt19937_64 rng_;
  const std::string root_;
  FaultInjectionFileSystem fs_;
  util::ManualClock clock_{kNow};
  std::unique_ptr<DiskStore> store_;
  std::map<std::pair<std::string, int32_t>, PartitionModel> models_;
  int64_t next_value_ = 0;
  int storage_failures_ = 0;
};

TEST(CrashConsistencyTest, InvariantsHoldAcrossRandomPowerLosses) {
  const int64_t first = EnvInt("EVENTLOG_CRASH_SEED", 1);
  const int64_t seeds = EnvInt("EVENTLOG_CRASH_SEEDS", 100);
  for (int64_t seed = first; seed < first + seeds; ++seed) {
    eventlog::testing::TempDir dir;
    CrashRun run(static_cast<uint64_t>(seed), dir.path());
    run.Run();
    if (::testing::Test::HasFatalFailure()) {
      ADD_FAILURE() << "reproduce with EVENTLOG_CRASH_SEED=" << seed << " EVENTLOG_CRASH_SEEDS=1";
      return;
    }
  }
}

}  // namespace
}  // namespace eventlog::storage::testing
