// Real producers and consumers through the listener and the toy handler's
// in-memory partitions: kcat (librdkafka, idempotent, every codec) and
// kafka-python produce, the toy log checks each batch is RecordBatch v2 and
// decompresses it with storage/compression, and the same clients fetch the
// records back. This checks Produce, InitProducerId, ListOffsets and Fetch
// against the clients, and the codecs against librdkafka's real output.
#include <algorithm>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "service/kafka/kafka_listener.h"
#include "tests/child_process.h"
#include "tests/service/kafka/toy_kafka_handler.h"
#include "tests/test_util.h"

namespace eventlog::kafka {
namespace {

using eventlog::testing::ChildProcess;
using eventlog::testing::TempDir;
using testing::ToyKafkaHandler;

constexpr char kKcat[] = "/usr/bin/kcat";
constexpr char kPython[] = "/usr/bin/python3";

struct Output {
  int exit_code = -1;
  std::string out;
  std::string err;
};

Output RunClient(const std::vector<std::string>& args) {
  ChildProcess process(args);
  Output output;
  for (std::string line = process.ReadStdoutLine(); !line.empty();
       line = process.ReadStdoutLine()) {
    absl::StrAppend(&output.out, line, "\n");
  }
  const int status = process.Wait(std::chrono::seconds(60));
  output.err = process.ReadAllStderr();
  output.exit_code = status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return output;
}

class KafkaProduceConsumeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KafkaListenerOptions options;
    options.listen = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<KafkaListener>> listener =
        KafkaListener::Start(std::move(options), &handler_);
    ASSERT_OK(listener);
    listener_ = *std::move(listener);
    handler_.set_port(listener_->port());
    address_ = absl::StrCat("127.0.0.1:", listener_->port());
  }
  void TearDown() override { listener_->Shutdown(); }

  // The newest version of `key` the handler saw, -1 if none.
  int NewestVersionSeen(ApiKey key) {
    int newest = -1;
    for (const auto& seen : handler_.seen()) {
      if (seen.key == key) newest = std::max<int>(newest, seen.version);
    }
    return newest;
  }

  ToyKafkaHandler handler_;
  std::unique_ptr<KafkaListener> listener_;
  std::string address_;
  TempDir dir_;
};

// Compressible values: librdkafka sends a batch uncompressed when
// compression does not make it smaller.
std::string Value(const std::string& codec, int i) {
  return absl::StrCat(codec, "-", i, "-", std::string(300, 'x'));
}

TEST_F(KafkaProduceConsumeTest, KcatProducesInEveryCodecAndReadsItAllBack) {
  const std::vector<std::pair<std::string, compression::Codec>> codecs = {
      {"none", compression::Codec::kNone},
      {"gzip", compression::Codec::kGzip},
      {"snappy", compression::Codec::kSnappy},
      {"lz4", compression::Codec::kLz4},
      {"zstd", compression::Codec::kZstd}};
  std::string expected;
  for (const auto& [name, codec] : codecs) {
    const std::string file = dir_.path() + "/" + name;
    std::ofstream(file) << Value(name, 1) << "\n" << Value(name, 2) << "\n";
    absl::StrAppend(&expected, Value(name, 1), "\n", Value(name, 2), "\n");
    const Output produced =
        RunClient({kKcat, "-P", "-b", address_, "-t", "orders", "-p", "1", "-z", name, "-X",
                   "enable.idempotence=true", "-X", "linger.ms=50", "-l", file});
    ASSERT_EQ(produced.exit_code, 0) << name << ": " << produced.err;
    const std::vector<testing::ToyPartitionLog::Batch> batches = handler_.batches("orders", 1);
    ASSERT_FALSE(batches.empty()) << name;
    const testing::ToyPartitionLog::Batch& last = batches.back();
    EXPECT_EQ(last.codec, codec) << name;
    EXPECT_NE(last.plain_records.find(Value(name, 2)), std::string::npos) << name;
  }
  EXPECT_EQ(handler_.batches("orders", 1).back().base_offset, 8);  // 2 records per codec

  const Output consumed = RunClient({kKcat, "-C", "-b", address_, "-t", "orders", "-p", "1", "-o",
                                     "beginning", "-e", "-f", "%s\n"});
  ASSERT_EQ(consumed.exit_code, 0) << consumed.err;
  EXPECT_EQ(consumed.out, expected);
}

TEST_F(KafkaProduceConsumeTest, KafkaPythonProducesAndConsumesGzipBatches) {
  // kafka-python also sends uncompressed what compression does not shrink.
  const Output output =
      RunClient({kPython, std::string(KAFKA_CLIENTS_DIR) + "/produce_consume.py", address_,
                 "payments", "0", "gzip", Value("py", 1), Value("py", 2), Value("py", 3)});
  ASSERT_EQ(output.exit_code, 0) << output.err;
  EXPECT_EQ(output.out,
            absl::StrCat(Value("py", 1), "\n", Value("py", 2), "\n", Value("py", 3), "\n"));
  const std::vector<testing::ToyPartitionLog::Batch> batches = handler_.batches("payments", 0);
  ASSERT_FALSE(batches.empty());
  EXPECT_EQ(batches.front().codec, compression::Codec::kGzip);
}

// Two records in partition 0 of "orders", one in partition 2.
void ProduceThree(const std::string& address, const std::string& dir) {
  for (const auto& [partition, values] :
       std::vector<std::pair<std::string, std::string>>{{"0", "a\nb\n"}, {"2", "c\n"}}) {
    const std::string file = dir + "/values-" + partition;
    std::ofstream(file) << values;
    const Output produced =
        RunClient({kKcat, "-P", "-b", address, "-t", "orders", "-p", partition, "-l", file});
    ASSERT_EQ(produced.exit_code, 0) << produced.err;
  }
}

TEST_F(KafkaProduceConsumeTest, KcatConsumesAsAGroupMemberAndCommits) {
  ProduceThree(address_, dir_.path());
  // librdkafka's balanced consumer: FindCoordinator, JoinGroup v5,
  // SyncGroup v3, OffsetFetch v7 (flexible), Heartbeat, OffsetCommit v7,
  // LeaveGroup.
  const Output consumed =
      RunClient({kKcat, "-b", address_, "-G", "kcat-group", "-X", "auto.offset.reset=earliest",
                 "-c", "3", "-f", "%p:%s\n", "orders"});
  ASSERT_EQ(consumed.exit_code, 0) << consumed.err;
  std::vector<std::string> lines = absl::StrSplit(consumed.out, '\n', absl::SkipEmpty());
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<std::string>{"0:a", "0:b", "2:c"}));
  EXPECT_EQ(handler_.committed("kcat-group", "orders", 0), 2);
  EXPECT_EQ(handler_.committed("kcat-group", "orders", 2), 1);
  EXPECT_EQ(NewestVersionSeen(ApiKey::kJoinGroup), 5);
  EXPECT_EQ(NewestVersionSeen(ApiKey::kSyncGroup), 3);
  EXPECT_EQ(NewestVersionSeen(ApiKey::kOffsetFetch), 7);
  EXPECT_EQ(NewestVersionSeen(ApiKey::kOffsetCommit), 7);

  // librdkafka's list_groups: ListGroups v0, then DescribeGroups v0.
  const Output groups = RunClient(
      {kPython, "-c",
       "import sys\n"
       "from confluent_kafka.admin import AdminClient\n"
       "for g in AdminClient({'bootstrap.servers': sys.argv[1]}).list_groups(timeout=20):\n"
       "    print(g.id, g.state, g.protocol_type, g.protocol, len(g.members))\n",
       address_});
  ASSERT_EQ(groups.exit_code, 0) << groups.err;
  EXPECT_EQ(groups.out, "kcat-group Stable consumer range 1\n");
}

TEST_F(KafkaProduceConsumeTest, KafkaPythonConsumesAsAGroupMemberAndListsTheGroup) {
  ProduceThree(address_, dir_.path());
  const Output output = RunClient({kPython, std::string(KAFKA_CLIENTS_DIR) + "/group_consume.py",
                                   address_, "py-group", "orders", "3"});
  ASSERT_EQ(output.exit_code, 0) << output.err;
  std::vector<std::string> lines = absl::StrSplit(output.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 5u) << output.out;
  std::sort(lines.begin(), lines.begin() + 3);
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "b", "c", "groups: py-group", "state: Stable"}));
  EXPECT_EQ(handler_.committed("py-group", "orders", 0), 2);
  EXPECT_EQ(handler_.committed("py-group", "orders", 2), 1);
  EXPECT_EQ(NewestVersionSeen(ApiKey::kJoinGroup), 2);  // kafka-python's fixed choices
  EXPECT_EQ(NewestVersionSeen(ApiKey::kOffsetCommit), 2);
}

}  // namespace
}  // namespace eventlog::kafka
