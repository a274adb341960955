// The real Kafka clients against a KafkaListener with the toy handler: kcat
// (librdkafka 2.0.2), kafka-python 2.0.2 and confluent-kafka (librdkafka)
// list the topics over plaintext, SASL/PLAIN and TLS (with and without
// client certificates). The versions they negotiate are checked too.
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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
const std::string kListTopics = std::string(KAFKA_CLIENTS_DIR) + "/list_topics.py";

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

absl::StatusOr<std::string> AliceOnly(absl::string_view user, absl::string_view password) {
  if (user == "alice" && password == "secret") return std::string("User:alice");
  return absl::UnauthenticatedError("bad username or password");
}

class KafkaClientsTest : public ::testing::Test {
 protected:
  void Start(KafkaListenerOptions options = {}) {
    options.listen = "127.0.0.1:0";
    absl::StatusOr<std::unique_ptr<KafkaListener>> listener =
        KafkaListener::Start(std::move(options), &handler_);
    ASSERT_OK(listener);
    listener_ = *std::move(listener);
    handler_.set_port(listener_->port());
    address_ = absl::StrCat("127.0.0.1:", listener_->port());
  }

  void MakeCerts() {
    const std::string command = absl::StrCat(MAKE_TEST_CERTS, " ", certs_.path());
    ASSERT_EQ(std::system(command.c_str()), 0);
  }
  std::string Cert(const std::string& name) { return certs_.path() + "/" + name; }

  void TearDown() override {
    if (listener_ != nullptr) listener_->Shutdown();
  }

  // The versions of `key` the handler saw, in order.
  std::vector<int16_t> VersionsSeen(ApiKey key) {
    std::vector<int16_t> versions;
    for (const auto& seen : handler_.seen()) {
      if (seen.key == key) versions.push_back(seen.version);
    }
    return versions;
  }

  ToyKafkaHandler handler_;
  std::unique_ptr<KafkaListener> listener_;
  std::string address_;
  TempDir certs_;
};

void ExpectBothTopics(const Output& output) {
  EXPECT_EQ(output.exit_code, 0) << output.err;
  EXPECT_EQ(output.out, "orders\npayments\n") << output.err;
}

TEST_F(KafkaClientsTest, KcatListsTheTopicsAndItsPartitions) {
  Start();
  const Output output = RunClient({kKcat, "-L", "-J", "-b", address_, "-m", "20"});
  ASSERT_EQ(output.exit_code, 0) << output.err;
  EXPECT_NE(output.out.find("\"topic\":\"orders\",\"partitions\":[{\"partition\":0"),
            std::string::npos)
      << output.out;
  EXPECT_NE(output.out.find("\"topic\":\"payments\""), std::string::npos) << output.out;
  EXPECT_NE(output.out.find(absl::StrCat("\"name\":\"", address_, "\"")), std::string::npos)
      << output.out;
  // librdkafka 2.0.2 asks Metadata v4 (its newest) once ApiVersions v3 told it the ranges.
  EXPECT_EQ(VersionsSeen(ApiKey::kMetadata).back(), 4);
}

TEST_F(KafkaClientsTest, KafkaPythonListsTheTopics) {
  Start();
  ExpectBothTopics(RunClient({kPython, kListTopics, "kafka-python", address_}));
  EXPECT_EQ(VersionsSeen(ApiKey::kMetadata).back(), 5);  // kafka-python's newest
}

TEST_F(KafkaClientsTest, ConfluentKafkaListsTheTopics) {
  Start();
  ExpectBothTopics(RunClient({kPython, kListTopics, "confluent-kafka", address_}));
}

TEST_F(KafkaClientsTest, KafkaPythonAndConfluentKafkaCreateAndDeleteTopics) {
  Start();
  const std::string script = std::string(KAFKA_CLIENTS_DIR) + "/admin_topics.py";
  // 36 is TOPIC_ALREADY_EXISTS.
  const std::string expected = "create fresh: ok\ncreate orders: error 36\ndelete fresh: ok\n";
  const Output python = RunClient({kPython, script, "kafka-python", address_});
  ASSERT_EQ(python.exit_code, 0) << python.err;
  EXPECT_EQ(python.out, expected);
  EXPECT_EQ(VersionsSeen(ApiKey::kCreateTopics).back(), 3);
  EXPECT_EQ(VersionsSeen(ApiKey::kDeleteTopics).back(), 3);
  const Output confluent = RunClient({kPython, script, "confluent-kafka", address_});
  ASSERT_EQ(confluent.exit_code, 0) << confluent.err;
  EXPECT_EQ(confluent.out, expected);
  EXPECT_EQ(VersionsSeen(ApiKey::kCreateTopics).back(), 4);
  EXPECT_EQ(VersionsSeen(ApiKey::kDeleteTopics).back(), 1);
}

TEST_F(KafkaClientsTest, KcatAuthenticatesWithSaslPlainAndAWrongPasswordFails) {
  KafkaListenerOptions options;
  options.sasl_plain = AliceOnly;
  Start(std::move(options));
  const std::vector<std::string> sasl = {kKcat,
                                         "-L",
                                         "-J",
                                         "-b",
                                         address_,
                                         "-X",
                                         "security.protocol=SASL_PLAINTEXT",
                                         "-X",
                                         "sasl.mechanisms=PLAIN",
                                         "-X",
                                         "sasl.username=alice"};
  std::vector<std::string> good = sasl;
  good.insert(good.end(), {"-X", "sasl.password=secret", "-m", "20"});
  const Output ok = RunClient(good);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("\"topic\":\"orders\""), std::string::npos) << ok.out;
  ASSERT_FALSE(handler_.seen().empty());
  EXPECT_EQ(handler_.seen().back().principal, "User:alice");

  std::vector<std::string> bad = sasl;
  // A failure shows as no metadata within -m seconds: kept short.
  bad.insert(bad.end(), {"-X", "sasl.password=guess", "-m", "3"});
  const Output refused = RunClient(bad);
  EXPECT_NE(refused.exit_code, 0) << refused.out;
}

TEST_F(KafkaClientsTest, KafkaPythonAuthenticatesWithSaslPlain) {
  KafkaListenerOptions options;
  options.sasl_plain = AliceOnly;
  Start(std::move(options));
  ExpectBothTopics(
      RunClient({kPython, kListTopics, "kafka-python", address_, "--sasl", "alice:secret"}));
  EXPECT_EQ(handler_.seen().back().principal, "User:alice");
}

TEST_F(KafkaClientsTest, ConfluentKafkaAuthenticatesWithSaslPlainOverTls) {
  MakeCerts();
  KafkaListenerOptions options;
  options.sasl_plain = AliceOnly;
  options.tls_cert_file = Cert("server.pem");
  options.tls_key_file = Cert("server.key");
  Start(std::move(options));
  ExpectBothTopics(RunClient({kPython, kListTopics, "confluent-kafka", address_, "--sasl",
                              "alice:secret", "--ca", Cert("ca.pem")}));
  EXPECT_EQ(handler_.seen().back().principal, "User:alice");
}

TEST_F(KafkaClientsTest, KcatAndKafkaPythonConnectOverTls) {
  MakeCerts();
  KafkaListenerOptions options;
  options.tls_cert_file = Cert("server.pem");
  options.tls_key_file = Cert("server.key");
  Start(std::move(options));
  const Output kcat =
      RunClient({kKcat, "-L", "-J", "-b", address_, "-m", "20", "-X", "security.protocol=ssl", "-X",
                 "ssl.ca.location=" + Cert("ca.pem")});
  ASSERT_EQ(kcat.exit_code, 0) << kcat.err;
  EXPECT_NE(kcat.out.find("\"topic\":\"payments\""), std::string::npos) << kcat.out;
  ExpectBothTopics(
      RunClient({kPython, kListTopics, "kafka-python", address_, "--ca", Cert("ca.pem")}));
  // Plaintext against a TLS listener gets nowhere.
  const Output plain = RunClient({kKcat, "-L", "-b", address_, "-m", "3"});
  EXPECT_NE(plain.exit_code, 0);
}

TEST_F(KafkaClientsTest, MutualTlsMakesTheCertificateNameThePrincipal) {
  MakeCerts();
  KafkaListenerOptions options;
  options.tls_cert_file = Cert("server.pem");
  options.tls_key_file = Cert("server.key");
  options.tls_client_ca_file = Cert("ca.pem");
  Start(std::move(options));
  const std::vector<std::string> base = {kKcat,
                                         "-L",
                                         "-J",
                                         "-b",
                                         address_,
                                         "-X",
                                         "security.protocol=ssl",
                                         "-X",
                                         "ssl.ca.location=" + Cert("ca.pem")};
  std::vector<std::string> alice = base;
  alice.insert(alice.end(), {"-X", "ssl.certificate.location=" + Cert("client.pem"), "-X",
                             "ssl.key.location=" + Cert("client.key"), "-m", "20"});
  const Output ok = RunClient(alice);
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  ASSERT_FALSE(handler_.seen().empty());
  EXPECT_EQ(handler_.seen().back().principal, "alice");

  std::vector<std::string> mallory = base;
  mallory.insert(mallory.end(), {"-X", "ssl.certificate.location=" + Cert("other-client.pem"), "-X",
                                 "ssl.key.location=" + Cert("other-client.key"), "-m", "3"});
  EXPECT_NE(RunClient(mallory).exit_code, 0);
  std::vector<std::string> anonymous = base;  // no client certificate
  anonymous.insert(anonymous.end(), {"-m", "3"});
  EXPECT_NE(RunClient(anonymous).exit_code, 0);
}

TEST_F(KafkaClientsTest, KafkajsProducesIdempotentlyListsOffsetsAndConsumesAsAGroup) {
  // Installs the locked kafkajs from the npm registry (as clients/node does).
  const Output installed = RunClient({"/usr/bin/npm", "ci", "--prefix", KAFKAJS_DIR, "--no-audit",
                                      "--no-fund", "--loglevel=error"});
  ASSERT_EQ(installed.exit_code, 0) << installed.err;
  Start();
  const Output output =
      RunClient({"/usr/bin/node", std::string(KAFKAJS_DIR) + "/kafkajs_check.mjs", address_});
  ASSERT_EQ(output.exit_code, 0) << output.err;
  EXPECT_EQ(output.out,
            "topics: orders,payments\n"
            "produced: partition 2 base offset 0\n"
            "offsets: partition 2 low 0 high 2\n"
            "consumed: 2\n");
  // kafkajs's newest versions: Metadata 6, Produce 7, InitProducerId 1, JoinGroup 5.
  EXPECT_EQ(VersionsSeen(ApiKey::kMetadata).back(), 6);
  EXPECT_EQ(VersionsSeen(ApiKey::kProduce).back(), 7);
  EXPECT_EQ(VersionsSeen(ApiKey::kInitProducerId).back(), 1);
  EXPECT_EQ(VersionsSeen(ApiKey::kJoinGroup).back(), 5);
}

}  // namespace
}  // namespace eventlog::kafka
