// Which broker answers: an OpsServer started with a broker id names it in
// /metrics (eventlog_broker_info) and in the console's overview, so that the
// brokers of a cluster can be told apart on one dashboard or console.
#include <httplib.h>

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/ops/ops_server.h"
#include "tests/service/server/service_fixture.h"

namespace eventlog::service::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class OpsBrokerIdentityTest : public ServiceFixture {
 protected:
  // GET `path` from `ops`; the body, or "" (and a failure) if unanswered.
  static std::string Get(const ops::OpsServer& ops, const std::string& path) {
    httplib::Client client(ops.address());
    client.set_connection_timeout(10);
    client.set_read_timeout(30);
    httplib::Result result = client.Get(path.c_str());
    EXPECT_TRUE(result) << path;
    if (!result) return "";
    EXPECT_EQ(result->status, 200) << path;
    return result->body;
  }
};

TEST_F(OpsBrokerIdentityTest, MetricsAndConsoleNameTheBrokerId) {
  ops::OpsOptions options;
  options.listen_address = "127.0.0.1:0";
  options.threads = 2;
  options.broker_id = 7;
  absl::StatusOr<std::unique_ptr<ops::OpsServer>> ops =
      ops::OpsServer::Start(std::move(options), &server_->broker(), /*access=*/nullptr);
  ASSERT_TRUE(ops.ok()) << ops.status();
  const std::string page = Get(**ops, "/metrics");
  EXPECT_THAT(page, HasSubstr("\neventlog_broker_info{broker_id=\"7\"} 1\n"));
  EXPECT_THAT(page, Not(HasSubstr("broker_id=\"0\"")));
  EXPECT_THAT(Get(**ops, "/api/v1/overview"), HasSubstr("\"broker_id\":7"));
  (*ops)->Stop();
}

}  // namespace
}  // namespace eventlog::service::testing
