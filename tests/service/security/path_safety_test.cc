// Topic-name tricks (path traversal, separators, NUL, unicode, very long
// names) are refused with INVALID_ARGUMENT by every RPC that takes a topic,
// with or without an ACL in force, and no file appears anywhere: neither in
// the data directory nor around it.
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/service/security/security_fixture.h"
#include "tests/test_util.h"

namespace eventlog::service::testing {
namespace {

namespace v1 = ::eventlog::v1;
using ::eventlog::testing::IsOk;
using ::eventlog::testing::StatusIs;

std::vector<std::string> TrickNames() {
  return {"..",
          ".",
          "../escape",
          "../../etc",
          "../../../../../../tmp/eventlog-escape",
          "/etc/passwd",
          "a/b",
          "a\\b",
          "orders/../../x",
          std::string("a\0b", 3),
          std::string(1, '\0'),
          "\xc3\xbc\x6e\xc3\xaf",  // "ünï"
          "\xe2\x80\xae"
          "evil",  // right-to-left override
          "white space",
          "tab\there",
          "line\nbreak",
          std::string(250, 'x'),
          std::string(100000, '.'),
          ""};
}

// Every path under `root` (recursively), relative to it.
std::set<std::string> Tree(const std::string& root) {
  std::set<std::string> paths;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    paths.insert(std::filesystem::relative(entry.path(), root).string());
  }
  return paths;
}

class PathSafetyTest : public SecurityFixture, public ::testing::WithParamInterface<bool> {
 protected:
  // Where each trick name would lead if it were joined to the data dir or a
  // topic dir, for the places outside the data dir: path -> exists.
  std::map<std::string, bool> EscapeTargets() {
    std::map<std::string, bool> targets;
    const std::filesystem::path data = std::filesystem::path(data_dir());
    for (const std::string& name : TrickNames()) {
      if (name.empty() || name.find('\0') != std::string::npos || name.size() > 1000) continue;
      for (const std::filesystem::path& base : {data, data / "orders"}) {
        for (const char* suffix : {"", "-0"}) {
          std::filesystem::path target = (base / (name + suffix)).lexically_normal();
          if (target.string().rfind(data.string() + "/", 0) == 0) continue;
          std::error_code error;
          targets[target.string()] = std::filesystem::exists(target, error);
        }
      }
    }
    return targets;
  }

  // Runs every topic-taking RPC with every trick name and expects
  // INVALID_ARGUMENT each time.
  void ExpectEveryTrickRefused(client::Client& client) {
    for (const std::string& name : TrickNames()) {
      SCOPED_TRACE(::testing::PrintToString(name.substr(0, 40)));
      EXPECT_THAT(client.CreateTopic(name, 1), StatusIs(absl::StatusCode::kInvalidArgument));
      EXPECT_THAT(client.DescribeTopic(name), StatusIs(absl::StatusCode::kInvalidArgument));
      EXPECT_THAT(client.DeleteTopic(name), StatusIs(absl::StatusCode::kInvalidArgument));
      v1::ProduceRequest produce;
      produce.set_topic(name);
      produce.add_records()->set_value("v");
      EXPECT_THAT(client.Produce(produce), StatusIs(absl::StatusCode::kInvalidArgument));
      v1::FetchRequest fetch;
      fetch.set_topic(name);
      EXPECT_THAT(client.Fetch(fetch), StatusIs(absl::StatusCode::kInvalidArgument));
      EXPECT_THAT(client.ListOffsets(name, v1::OFFSET_SPEC_LATEST),
                  StatusIs(absl::StatusCode::kInvalidArgument));
      EXPECT_THAT(client.CommitOffset("group", name, 0, 1),
                  StatusIs(absl::StatusCode::kInvalidArgument));
      EXPECT_THAT(client.FetchCommittedOffsets("group", name),
                  StatusIs(absl::StatusCode::kInvalidArgument));
    }
  }
};

TEST_P(PathSafetyTest, TrickTopicNamesAreRefusedAndTouchNoPath) {
  const bool with_acl = GetParam();
  SecurityOptions security;
  std::string token;
  if (with_acl) {
    security.auth_tokens_file = WriteFile("tokens", "tok root\n");
    security.acl_file = WriteFile("acl", "root all topic:*\nroot all group:*\n");
    token = "tok";
  }
  StartServer(security);
  auto client = ConnectWithToken(token);
  ASSERT_THAT(client->CreateTopic("orders", 1), IsOk());
  // Everything in the test's own dir (the data dir and around it), and
  // whether each place a trick name could resolve to outside it exists.
  const std::string outside = dir_.path();
  const std::set<std::string> before = Tree(outside);
  const std::map<std::string, bool> escapes_before = EscapeTargets();

  ExpectEveryTrickRefused(*client);
  // Group names are keys, not paths; odd ones must not create files either.
  EXPECT_THAT(client->CommitOffset("../../etc/group", "orders", 0, 0), IsOk());

  EXPECT_EQ(Tree(outside), before);
  EXPECT_EQ(EscapeTargets(), escapes_before);
  // A legitimate odd-looking name stays inside the data directory.
  ASSERT_THAT(client->CreateTopic("...", 1), IsOk());
  for (const std::string& path : Tree(outside)) {
    if (before.count(path) == 0) {
      EXPECT_EQ(path.rfind("data/", 0), 0u) << "new path outside the data dir: " << path;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutAcl, PathSafetyTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "WithAcl" : "Open";
                         });

}  // namespace
}  // namespace eventlog::service::testing
