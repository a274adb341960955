// Upgrades keep data: a data directory written by the release before the
// durability work (layout version 1, tests/storage/fixtures/README.md) opens
// with every record, topic and committed offset, and is migrated to the
// current layout; a directory from a newer release is refused clearly.
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "leveldb/db.h"
#include "storage/disk_store.h"
#include "storage/layout.h"
#include "tests/storage/store_fixture.h"

namespace eventlog::storage {
namespace {

using ::eventlog::testing::StatusIs;
using ::eventlog::testing::TempDir;
using ::testing::HasSubstr;
using testing::ReadAll;
using testing::Rec;

std::string Fixture(const std::string& name) {
  return std::string(EVENTLOG_STORAGE_FIXTURES) + "/" + name;
}

std::vector<std::vector<std::string>> ReadTsv(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    rows.push_back(absl::StrSplit(line, '\t'));
  }
  return rows;
}

std::string Unhex(const std::string& hex) { return absl::HexStringToBytes(hex); }

class UpgradeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    data_dir_ = dir_.path() + "/data";
    std::filesystem::create_directories(data_dir_);
    const std::string command =
        "tar -xzf '" + Fixture("datadir-v1.tar.gz") + "' -C '" + data_dir_ + "'";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }

  StoreOptions Options() {
    StoreOptions options;
    options.data_dir = data_dir_;
    options.cleanup_interval_ms = 0;  // the fixture's records must not age out
    options.flush_interval_ms = 0;
    return options;
  }

  std::string LayoutVersion() {
    leveldb::DB* raw = nullptr;
    EXPECT_TRUE(leveldb::DB::Open(leveldb::Options(), data_dir_ + "/index", &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    std::string value;
    (void)db->Get(leveldb::ReadOptions(), layout::StoreMetaKey(layout::kLayoutVersionKey), &value);
    return value;
  }

  // Every record and committed offset the old release read back.
  void ExpectEverythingThere(Store& store) {
    std::map<std::pair<std::string, int32_t>, std::vector<Rec>> expected;
    for (const std::vector<std::string>& row : ReadTsv(Fixture("expected-records.tsv"))) {
      ASSERT_EQ(row.size(), 7u);
      Rec rec;
      int32_t partition;
      ASSERT_TRUE(absl::SimpleAtoi(row[1], &partition));
      ASSERT_TRUE(absl::SimpleAtoi(row[2], &rec.offset));
      ASSERT_TRUE(absl::SimpleAtoi(row[3], &rec.timestamp_ms));
      rec.key = Unhex(row[4]);
      rec.value = Unhex(row[5]);
      if (!row[6].empty()) {
        for (absl::string_view header : absl::StrSplit(row[6], ',')) {
          std::vector<std::string> kv = absl::StrSplit(header, '=');
          rec.headers.emplace_back(kv[0], Unhex(kv[1]));
        }
      }
      expected[{row[0], partition}].push_back(rec);
    }
    ASSERT_EQ(expected.size(), 4u);
    for (const auto& [where, records] : expected) {
      ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> topic, store.GetTopic(where.first));
      ASSERT_OK_AND_ASSIGN(std::vector<Rec> got,
                           ReadAll(*topic->partition(where.second), -1, 1000));
      EXPECT_EQ(got, records) << where.first << "/" << where.second;
    }
    for (const std::vector<std::string>& row : ReadTsv(Fixture("expected-offsets.tsv"))) {
      ASSERT_GE(row.size(), 4u);
      ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> topic, store.GetTopic(row[1]));
      int32_t partition;
      int64_t offset;
      ASSERT_TRUE(absl::SimpleAtoi(row[2], &partition));
      ASSERT_TRUE(absl::SimpleAtoi(row[3], &offset));
      ASSERT_OK_AND_ASSIGN(std::optional<CommittedOffset> committed,
                           store.offsets().Get(row[0], topic->id(), partition));
      ASSERT_TRUE(committed.has_value()) << row[0] << " " << row[1] << " " << row[2];
      EXPECT_EQ(committed->offset, offset);
      EXPECT_EQ(committed->metadata, row.size() > 4 ? row[4] : "");
    }
  }

  TempDir dir_;
  std::string data_dir_;
};

TEST_F(UpgradeTest, ALayoutOneDirectoryOpensWithEverythingAndIsMigrated) {
  ASSERT_EQ(LayoutVersion(), "1");
  int64_t orders_end;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(Options()));
    ASSERT_NO_FATAL_FAILURE(ExpectEverythingThere(*store));
    orders_end = store->GetTopic("orders").value()->partition(0)->high_watermark();
    // Whole-batch reads (a Kafka Fetch) serve the first release's batches
    // re-encoded as magic 2, with the same records.
    for (const std::shared_ptr<Topic>& topic : store->ListTopics()) {
      for (int32_t p = 0; p < topic->partition_count(); ++p) {
        ASSERT_OK_AND_ASSIGN(std::vector<Rec> records, ReadAll(*topic->partition(p)));
        ASSERT_OK_AND_ASSIGN(std::vector<Rec> batched,
                             testing::ReadAllBatches(*topic->partition(p)));
        EXPECT_EQ(batched, records) << topic->name() << " " << p;
      }
    }
    ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> profiles, store->GetTopic("profiles"));
    EXPECT_EQ(profiles->config().cleanup_policy, CleanupPolicy::kCompact);
    // Topics of the old registry get the new fields' defaults.
    EXPECT_EQ(profiles->config().timestamp_type, TimestampType::kCreateTime);
    // It stays writable.
    ASSERT_OK(profiles->partition(0)
                  ->Append(testing::One("alice", "new", 1796607400000), Durability::kAll)
                  .status());
  }
  EXPECT_EQ(LayoutVersion(), std::to_string(layout::kLayoutVersion));
  // And opens again as a current directory.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(Options()));
  ASSERT_OK_AND_ASSIGN(std::shared_ptr<Topic> orders, store->GetTopic("orders"));
  EXPECT_EQ(orders->partition(0)->high_watermark(), orders_end);
  ASSERT_OK_AND_ASSIGN(std::vector<Rec> profiles,
                       ReadAll(*store->GetTopic("profiles").value()->partition(0)));
  ASSERT_FALSE(profiles.empty());
  EXPECT_EQ(profiles.back().value, "new");
}

TEST_F(UpgradeTest, ADirectoryFromANewerReleaseIsRefused) {
  {
    leveldb::DB* raw = nullptr;
    ASSERT_TRUE(leveldb::DB::Open(leveldb::Options(), data_dir_ + "/index", &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    ASSERT_TRUE(db->Put(leveldb::WriteOptions(), layout::StoreMetaKey(layout::kLayoutVersionKey),
                        std::to_string(layout::kLayoutVersion + 1))
                    .ok());
  }
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(Options());
  EXPECT_THAT(store, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(store.status().message()), HasSubstr("newer eventlog"));
  EXPECT_EQ(LayoutVersion(), std::to_string(layout::kLayoutVersion + 1));  // untouched
}

}  // namespace
}  // namespace eventlog::storage
