// Authorization of the Kafka calls that name no topic or group, on the wire:
// InitProducerId needs the right to write to some topic (Kafka: WRITE on
// any topic or IDEMPOTENT_WRITE on the cluster). The ACL here names
// `anonymous` callers (no token file), which is enough: the rule, not the
// authentication, is under test (test_security.py covers SASL and TLS).
#include <fstream>
#include <string>

#include "gtest/gtest.h"
#include "service/kafka/protocol/error_code.h"
#include "tests/service/kafka/handler/kafka_broker_wire_fixture.h"
#include "tests/temp_dir.h"

namespace eventlog::kafka {
namespace {

using testing::KafkaBrokerWireTest;

class KafkaAccessWireTest : public KafkaBrokerWireTest {
 protected:
  KafkaAccessWireTest() { WriteAcl("* read topic:*\n"); }

  void Configure(service::ServerOptions& options) override {
    options.security.acl_file = acl_path_;
  }

  void WriteAcl(const std::string& text) { std::ofstream(acl_path_) << text; }

  eventlog::testing::TempDir acl_dir_;
  const std::string acl_path_ = acl_dir_.path() + "/acl";
};

TEST_F(KafkaAccessWireTest, InitProducerIdNeedsTheRightToWriteSomeTopic) {
  InitProducerIdResponse refused = Call<InitProducerIdResponse>(InitProducerIdRequest{}, 1);
  EXPECT_EQ(refused.error_code, Wire(ErrorCode::kClusterAuthorizationFailed));
  EXPECT_EQ(refused.producer_id, -1);
  // Write access to some topics, even none that exists yet, is enough.
  WriteAcl("* read topic:*\n* write topic:orders-*\n");
  Restart();
  InitProducerIdResponse granted = Call<InitProducerIdResponse>(InitProducerIdRequest{}, 1);
  EXPECT_EQ(granted.error_code, 0);
  EXPECT_GE(granted.producer_id, 0);
}

}  // namespace
}  // namespace eventlog::kafka
