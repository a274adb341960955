// Access control on the HTTP listener: with --auth_tokens, /metrics and the
// console's API need a token and the API honours the ACLs; the probes and the
// console's files never ask.
#include <httplib.h>

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/service/ops/ops_server_fixture.h"

namespace eventlog::service::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class OpsServerSecurityTest : public OpsServerTest {
 protected:
  void SetUp() override {
    WriteFile("tokens", "alice-token alice\nbob-token bob\n");
    WriteFile("acl", "alice read topic:visible\nalice read group:g-*\n");
    options().security.auth_tokens_file = dir_.path() + "/tokens";
    options().security.acl_file = dir_.path() + "/acl";
    OpsServerTest::SetUp();
  }

  void WriteFile(const std::string& name, const std::string& text) {
    std::ofstream(dir_.path() + "/" + name) << text;
  }
};

TEST_F(OpsServerSecurityTest, MetricsAndApiNeedATokenProbesAndFilesDoNot) {
  int status = 0;
  Get("/healthz", &status);
  EXPECT_EQ(status, 200);
  Get("/readyz", &status);
  EXPECT_EQ(status, 200);
  Get("/", &status);
  EXPECT_EQ(status, 200);
  httplib::Client client = Http();
  httplib::Result refused = client.Get("/metrics");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  EXPECT_EQ(refused->get_header_value("WWW-Authenticate"), "Bearer");
  EXPECT_THAT(refused->body, Not(HasSubstr("eventlog_")));
  Get("/metrics", &status, "wrong-token");
  EXPECT_EQ(status, 401);
  EXPECT_THAT(Get("/metrics", &status, "alice-token"), HasSubstr("eventlog_build_info"));
  EXPECT_EQ(status, 200);
  Get("/api/v1/topics", &status);
  EXPECT_EQ(status, 401);
}

TEST_F(OpsServerSecurityTest, ConsoleApiHonoursTheAcl) {
  // The server's own admin calls would need a token too: create through the
  // broker core, as an administrator would with one.
  for (const char* name : {"visible", "hidden"}) {
    broker::CreateTopicRequest create;
    create.name = name;
    create.partitions = 1;
    ASSERT_TRUE(server_->broker().CreateTopic(create).ok());
  }
  int status = 0;
  const std::string alice = Get("/api/v1/topics", &status, "alice-token");
  EXPECT_EQ(status, 200);
  EXPECT_THAT(alice, HasSubstr("\"name\":\"visible\""));
  EXPECT_THAT(alice, Not(HasSubstr("hidden")));
  EXPECT_THAT(Get("/api/v1/topics", &status, "bob-token"), HasSubstr("\"topics\":[]"));
  Get("/api/v1/records?topic=visible&partition=0", &status, "alice-token");
  EXPECT_EQ(status, 200);
  EXPECT_THAT(Get("/api/v1/records?topic=hidden&partition=0", &status, "alice-token"),
              HasSubstr("PERMISSION_DENIED"));
  EXPECT_EQ(status, 403);
  Get("/api/v1/topic?name=hidden", &status, "alice-token");
  EXPECT_EQ(status, 403);
  Get("/api/v1/group?name=other", &status, "alice-token");
  EXPECT_EQ(status, 403);
  EXPECT_THAT(Get("/api/v1/overview", &status, "alice-token"),
              HasSubstr("\"principal\":\"alice\""));
}
}  // namespace
}  // namespace eventlog::service::testing
