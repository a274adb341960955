// The store's committed offsets and group epochs: round trip, persistence
// across reopen, and no inheritance by a topic recreated under the same name.
#include <memory>
#include <string>

#include "storage/store.h"
#include "tests/storage/test_helpers.h"
#include "tests/test_util.h"

namespace eventlog::storage {
namespace {

using ::eventlog::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

StoreOptions OffsetStoreOptions(const TempDir& dir) {
  StoreOptions o;
  o.data_dir = dir.path() + "/data";
  o.cleanup_interval_ms = 0;
  return o;
}

TEST(OffsetStoreTest, RoundTripAndPersistence) {
  TempDir dir;
  uint64_t t, u, v;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(OffsetStoreOptions(dir)));
    t = store->CreateTopic("t", 4, LogConfig()).value()->id();
    u = store->CreateTopic("u", 2, LogConfig()).value()->id();
    v = store->CreateTopic("v", 1, LogConfig()).value()->id();
    OffsetStore& offsets = store->offsets();
    EXPECT_FALSE(offsets.Get("g1", t, 0).value().has_value());
    ASSERT_OK(offsets.Commit("g1", t, 0, 10, "meta"));
    ASSERT_OK(offsets.Commit("g1", t, 0, 12, "meta2"));  // overwrite
    ASSERT_OK(offsets.Commit("g1", t, 3, 7, ""));
    ASSERT_OK(offsets.Commit("g1", u, 1, 5, ""));
    // Group names that would collide under naive concatenation.
    ASSERT_OK(offsets.Commit("g1t", v, 0, 100, ""));
    ASSERT_OK(offsets.Commit("g", v, 0, 200, ""));
    ASSERT_OK(offsets.Commit("g2", t, 0, 1, ""));
    // Written but not synced: visible at once.
    ASSERT_OK(offsets.Write("g2", u, 0, 3, ""));
    EXPECT_EQ(offsets.Get("g2", u, 0).value()->offset, 3);
    ASSERT_OK(offsets.Sync());
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(OffsetStoreOptions(dir)));
  OffsetStore& offsets = store->offsets();
  ASSERT_OK_AND_ASSIGN(std::optional<CommittedOffset> c, offsets.Get("g1", t, 0));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->offset, 12);
  EXPECT_EQ(c->metadata, "meta2");
  ASSERT_OK_AND_ASSIGN(auto all, offsets.GetAll("g1", t));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[3].offset, 7);
  ASSERT_OK_AND_ASSIGN(auto group, offsets.GetGroup("g1"));
  ASSERT_EQ(group.size(), 2u);
  EXPECT_EQ(group[u][1].offset, 5);
  ASSERT_OK_AND_ASSIGN(auto g, offsets.GetGroup("g"));
  ASSERT_EQ(g.size(), 1u);
  EXPECT_EQ(g[v][0].offset, 200);
  EXPECT_EQ(offsets.Get("g2", u, 0).value()->offset, 3);
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> groups, offsets.ListGroups());
  EXPECT_THAT(groups, ElementsAre("g", "g1", "g1t", "g2"));

  // A topic's commits go with it.
  ASSERT_OK(store->DeleteTopic("t"));
  EXPECT_THAT(offsets.GetAll("g1", t).value(), IsEmpty());
  EXPECT_THAT(offsets.GetAll("g2", t).value(), IsEmpty());
  EXPECT_EQ(offsets.GetAll("g1", u).value().size(), 1u);
  ASSERT_OK_AND_ASSIGN(groups, offsets.ListGroups());
  EXPECT_THAT(groups, ElementsAre("g", "g1", "g1t", "g2"));
}

// Commits are keyed by topic id: one that raced a topic's deletion is never
// inherited by a new topic of the same name, and orphans go at the next open.
TEST(OffsetStoreTest, ARecreatedTopicInheritsNoCommits) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(OffsetStoreOptions(dir)));
  const uint64_t old_id = store->CreateTopic("t", 1, LogConfig()).value()->id();
  ASSERT_OK(store->DeleteTopic("t"));
  // The late commit of a request that looked the topic up before.
  ASSERT_OK(store->offsets().Commit("g", old_id, 0, 42, ""));
  const uint64_t new_id = store->CreateTopic("t", 1, LogConfig()).value()->id();
  EXPECT_NE(new_id, old_id);
  EXPECT_FALSE(store->offsets().Get("g", new_id, 0).value().has_value());
  ASSERT_OK(store->Close());
  store.reset();
  ASSERT_OK_AND_ASSIGN(store, Store::Open(OffsetStoreOptions(dir)));
  EXPECT_FALSE(store->offsets().Get("g", old_id, 0).value().has_value());
  EXPECT_THAT(store->offsets().ListGroups().value(), IsEmpty());
}

TEST(OffsetStoreTest, GroupEpochsPersist) {
  TempDir dir;
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(OffsetStoreOptions(dir)));
    EXPECT_EQ(store->offsets().GroupEpoch("g").value(), 0);
    ASSERT_OK(store->offsets().SaveGroupEpoch("g", 7));
    ASSERT_OK(store->offsets().SaveGroupEpoch("other", 1));
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(OffsetStoreOptions(dir)));
  EXPECT_EQ(store->offsets().GroupEpoch("g").value(), 7);
  EXPECT_EQ(store->offsets().GroupEpoch("other").value(), 1);
}

}  // namespace
}  // namespace eventlog::storage
