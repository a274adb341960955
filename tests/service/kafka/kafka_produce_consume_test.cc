// Real producers and consumers through the listener and the toy handler's
// in-memory partitions: kcat (librdkafka, idempotent, every codec) and
// kafka-python produce, the toy log checks each batch is RecordBatch v2 and
// decompresses it with storage/compression, and the same clients fetch the
// records back. This checks Produce, InitProducerId, ListOffsets and Fetch
// against the clients, and the codecs against librdkafka's real output.
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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

}  // namespace
}  // namespace eventlog::kafka
