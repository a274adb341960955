// The C++ Consumer across rebalances, against a real eventlogd: the rebalance
// callbacks report what moved, and a commit for a generation that just ended
// is not an error.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/cpp/client.h"
#include "clients/cpp/consumer.h"
#include "clients/cpp/producer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/eventlogd_process.h"
#include "tests/test_util.h"

namespace eventlog::client {
namespace {

using ::eventlog::testing::EventlogdProcess;
using ::eventlog::testing::IsOk;
using ::eventlog::testing::TempDir;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr absl::Duration kRebalancePatience =
    absl::Seconds(30);  // bounds every wait; never asserted on

class ConsumerRebalanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = EventlogdProcess::Start(dir_.path() + "/data");
    ASSERT_OK(server);
    server_ = *std::move(server);
    client_ = std::make_unique<Client>(server_->address());
  }

  void Produce(const std::string& topic, int32_t partition, int count) {
    auto producer = Producer::Create(*client_, topic);
    ASSERT_OK(producer);
    for (int i = 0; i < count; ++i) (*producer)->Send("", absl::StrCat("r", i), partition);
    ASSERT_OK((*producer)->Flush());
  }

  // Polls `consumer` until `done()` (or kRebalancePatience passed).
  template <typename Predicate>
  void PollUntil(Consumer& consumer, Predicate done) {
    const absl::Time deadline = absl::Now() + kRebalancePatience;
    while (!done() && absl::Now() < deadline) {
      ASSERT_OK(consumer.Poll(absl::Milliseconds(50)));
    }
    ASSERT_TRUE(done());
  }

  int64_t Generation(const std::string& group) {
    auto described = client_->DescribeGroup(group);
    return described.ok() ? described->generation() : 0;
  }

  TempDir dir_;
  std::unique_ptr<EventlogdProcess> server_;
  std::unique_ptr<Client> client_;
};

TEST_F(ConsumerRebalanceTest, CallbacksReportWhatMovedAndLeaveRevokesEverything) {
  ASSERT_OK(client_->CreateTopic("moves", 4));
  std::vector<std::pair<std::string, std::vector<int32_t>>> events;
  ConsumerOptions options;
  options.group = "movers";
  options.on_assign = [&](const std::vector<int32_t>& p) { events.push_back({"assign", p}); };
  options.on_revoke = [&](const std::vector<int32_t>& p) { events.push_back({"revoke", p}); };
  auto a = Consumer::Create(*client_, "moves", options);
  ASSERT_OK(a);
  PollUntil(**a, [&] { return events.size() == 1; });
  EXPECT_EQ(events[0].first, "assign");
  EXPECT_THAT(events[0].second, ElementsAre(0, 1, 2, 3));

  ConsumerOptions plain;
  plain.group = "movers";
  auto b = Consumer::Create(*client_, "moves", plain);
  ASSERT_OK(b);
  const absl::Time deadline = absl::Now() + kRebalancePatience;
  while (events.size() < 3 && absl::Now() < deadline) {
    ASSERT_OK((*a)->Poll(absl::Milliseconds(20)));
    ASSERT_OK((*b)->Poll(absl::Milliseconds(20)));
  }
  ASSERT_THAT(events, SizeIs(3));
  EXPECT_EQ(events[1].first, "revoke");
  EXPECT_THAT(events[1].second, SizeIs(2));
  EXPECT_EQ(events[2].first, "assign");
  EXPECT_THAT(events[2].second, IsEmpty());

  ASSERT_OK((*a)->Leave());
  ASSERT_THAT(events, SizeIs(4));
  EXPECT_EQ(events[3].first, "revoke");
  EXPECT_THAT(events[3].second, SizeIs(2));
}

TEST_F(ConsumerRebalanceTest, ACommitForAGenerationThatJustEndedIsNotAnError) {
  // A reads ahead one batch of one record at a time, so it has not read its
  // new assignment when the broker moves to the next generation.
  ASSERT_OK(client_->CreateTopic("ended", 2));
  Produce("ended", 0, 20);
  Produce("ended", 1, 20);
  std::vector<std::string> log;
  ConsumerOptions options;
  options.group = "enders";
  options.reset_to = v1::START_FROM_EARLIEST;
  options.max_batch_records = 1;
  options.max_buffered_batches = 1;
  options.auto_commit_interval = absl::ZeroDuration();
  options.log = [&](absl::string_view line) { log.emplace_back(line); };
  auto a = Consumer::Create(*client_, "ended", options);
  ASSERT_OK(a);
  absl::StatusOr<const v1::Record*> first = (*a)->Poll(kRebalancePatience);
  ASSERT_OK(first);
  ASSERT_NE(*first, nullptr);
  const int64_t generation = (*a)->assignment()->generation();

  ConsumerOptions plain;
  plain.group = "enders";
  auto b = Consumer::Create(*client_, "ended", plain);
  ASSERT_OK(b);
  const absl::Time deadline = absl::Now() + kRebalancePatience;
  while (Generation("enders") <= generation && absl::Now() < deadline) {
    ASSERT_OK((*b)->Poll(absl::Milliseconds(20)));
  }
  ASSERT_GT(Generation("enders"), generation);
  EXPECT_OK((*a)->Commit());  // the generation A knows has ended
  EXPECT_FALSE(log.empty());

  // A commit per record until A follows the new assignment.
  while (absl::Now() < deadline && !((*a)->assignment()->generation() > generation &&
                                     (*a)->assignment()->partitions_size() == 1)) {
    absl::StatusOr<const v1::Record*> record = (*a)->Poll(absl::Milliseconds(20));
    ASSERT_OK(record);
    if (*record != nullptr) {
      ASSERT_OK((*a)->Commit());
    }
    ASSERT_OK((*b)->Poll(absl::Milliseconds(1)));
  }
  ASSERT_EQ((*a)->assignment()->partitions_size(), 1);
  const int32_t kept = (*a)->assignment()->partitions(0);
  ASSERT_OK((*a)->Commit());
  auto committed = client_->FetchCommittedOffsets("enders", "ended", {kept});
  ASSERT_OK(committed);
  if ((*a)->positions().contains(kept)) {
    ASSERT_THAT(*committed, SizeIs(1));
    EXPECT_EQ((*committed)[0].offset(), (*a)->positions().at(kept));
  }
}

}  // namespace
}  // namespace eventlog::client
