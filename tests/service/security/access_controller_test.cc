// The transport-free access rules: glob patterns, the token and ACL file
// formats, and AccessController's authentication, authorization and reload.
#include "service/security/access_controller.h"

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "service/security/acl.h"
#include "service/security/glob_match.h"
#include "service/security/token_table.h"
#include "tests/test_util.h"

namespace eventlog::security {
namespace {

using ::eventlog::testing::IsOk;
using ::eventlog::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

TEST(GlobMatchTest, ExactPrefixAndWildcards) {
  EXPECT_TRUE(GlobMatch("orders", "orders"));
  EXPECT_FALSE(GlobMatch("orders", "orders2"));
  EXPECT_FALSE(GlobMatch("orders", "order"));
  EXPECT_TRUE(GlobMatch("orders.*", "orders.eu"));
  EXPECT_TRUE(GlobMatch("orders.*", "orders."));
  EXPECT_FALSE(GlobMatch("orders.*", "orders"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("*.audit", "eu.orders.audit"));
  EXPECT_FALSE(GlobMatch("*.audit", "eu.orders.audit2"));
  EXPECT_TRUE(GlobMatch("a*b*c", "aXXbYYbc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "aXXbYYb"));
  // Many stars on a long mismatching name end quickly (no exponential
  // backtracking); the assertion is on the answer only.
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*b", std::string(10000, 'a')));
}

TEST(TokenTableTest, ParsesLinesAndComments) {
  absl::StatusOr<TokenTable> table =
      TokenTable::Parse("# tokens\n\n  s3cret   alice # the producer\nt0ken bob\n", "tokens");
  ASSERT_THAT(table, IsOk());
  EXPECT_EQ(table->size(), 2u);
  ASSERT_NE(table->Find("s3cret"), nullptr);
  EXPECT_EQ(*table->Find("s3cret"), "alice");
  EXPECT_EQ(*table->Find("t0ken"), "bob");
  EXPECT_EQ(table->Find("alice"), nullptr);
  EXPECT_EQ(table->Find(""), nullptr);
}

TEST(TokenTableTest, RejectsMalformedFilesWithoutEchoingTokens) {
  EXPECT_THAT(TokenTable::Parse("onlyonefield\n", "f"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(TokenTable::Parse("a b c\n", "f"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(TokenTable::Parse("# nothing\n", "f"), StatusIs(absl::StatusCode::kInvalidArgument));
  absl::StatusOr<TokenTable> duplicate = TokenTable::Parse("topsecret a\ntopsecret b\n", "f");
  EXPECT_THAT(duplicate, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(duplicate.status().message()), HasSubstr("f:2"));
  EXPECT_THAT(std::string(duplicate.status().message()), Not(HasSubstr("topsecret")));
  EXPECT_THAT(TokenTable::Load("/nonexistent/tokens"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(AclTest, RulesGrantOnlyWhatTheySay) {
  absl::StatusOr<Acl> acl = Acl::Parse(
      "reader read topic:orders.*\n"
      "writer write,read topic:orders\n"
      "ops all topic:*\n"
      "* read topic:public\n"
      "reader read group:billing-*\n",
      "acl");
  ASSERT_THAT(acl, IsOk());
  EXPECT_EQ(acl->size(), 5u);
  EXPECT_TRUE(acl->Allows("reader", Operation::kRead, ResourceType::kTopic, "orders.eu"));
  EXPECT_FALSE(acl->Allows("reader", Operation::kRead, ResourceType::kTopic, "orders"));
  EXPECT_FALSE(acl->Allows("reader", Operation::kWrite, ResourceType::kTopic, "orders.eu"));
  EXPECT_TRUE(acl->Allows("writer", Operation::kWrite, ResourceType::kTopic, "orders"));
  EXPECT_TRUE(acl->Allows("writer", Operation::kRead, ResourceType::kTopic, "orders"));
  EXPECT_FALSE(acl->Allows("writer", Operation::kAdmin, ResourceType::kTopic, "orders"));
  EXPECT_TRUE(acl->Allows("ops", Operation::kAdmin, ResourceType::kTopic, "x"));
  EXPECT_FALSE(acl->Allows("ops", Operation::kRead, ResourceType::kGroup, "x"));
  EXPECT_TRUE(acl->Allows("anyone", Operation::kRead, ResourceType::kTopic, "public"));
  EXPECT_TRUE(acl->Allows("anonymous", Operation::kRead, ResourceType::kTopic, "public"));
  EXPECT_TRUE(acl->Allows("reader", Operation::kRead, ResourceType::kGroup, "billing-1"));
  EXPECT_FALSE(acl->Allows("reader", Operation::kRead, ResourceType::kTopic, "billing-1"));
  // A topic rule never matches a group of the same name and vice versa.
  EXPECT_FALSE(acl->Allows("writer", Operation::kRead, ResourceType::kGroup, "orders"));
}

TEST(AclTest, AllowsSomeAsksWhetherAnyRuleGrantsTheOperationOnTheType) {
  absl::StatusOr<Acl> acl = Acl::Parse(
      "reader read topic:*\n"
      "writer write topic:orders.*\n"
      "grouper write group:g\n"
      "* admin topic:scratch-*\n",
      "acl");
  ASSERT_THAT(acl, IsOk());
  EXPECT_FALSE(acl->AllowsSome("reader", Operation::kWrite, ResourceType::kTopic));
  EXPECT_TRUE(acl->AllowsSome("reader", Operation::kRead, ResourceType::kTopic));
  EXPECT_TRUE(acl->AllowsSome("writer", Operation::kWrite, ResourceType::kTopic));
  EXPECT_FALSE(acl->AllowsSome("grouper", Operation::kWrite, ResourceType::kTopic));
  EXPECT_TRUE(acl->AllowsSome("anyone", Operation::kAdmin, ResourceType::kTopic));
  EXPECT_FALSE(acl->AllowsSome("anyone", Operation::kAdmin, ResourceType::kGroup));
}

TEST(AclTest, RejectsMalformedRulesNamingTheLine) {
  for (const char* bad : {"alice read\n", "alice read topic:x extra\n", "alice fly topic:x\n",
                          "alice read,fly topic:x\n", "alice read cluster:x\n",
                          "alice read topic:\n", "alice read orders\n"}) {
    absl::StatusOr<Acl> acl = Acl::Parse(absl::StrCat("# header\n", bad), "acl.txt");
    EXPECT_THAT(acl, StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
    EXPECT_THAT(std::string(acl.status().message()), HasSubstr("acl.txt:2")) << bad;
  }
  absl::StatusOr<Acl> empty = Acl::Parse("# nobody may do anything\n", "acl");
  ASSERT_THAT(empty, IsOk());
  EXPECT_FALSE(empty->Allows("alice", Operation::kRead, ResourceType::kTopic, "x"));
}

TEST(AccessControllerTest, EverythingOpenWithoutFiles) {
  absl::StatusOr<std::unique_ptr<AccessController>> access = AccessController::Create({});
  ASSERT_THAT(access, IsOk());
  EXPECT_FALSE((*access)->authentication_enabled());
  EXPECT_FALSE((*access)->authorization_enabled());
  absl::StatusOr<std::string> principal = (*access)->Authenticate("Bearer whatever", "");
  ASSERT_THAT(principal, IsOk());
  EXPECT_EQ(*principal, "anonymous");
  EXPECT_THAT((*access)->Authorize("anonymous", Operation::kAdmin, ResourceType::kTopic, "x"),
              IsOk());
}

TEST(AccessControllerTest, TokensAndCertificates) {
  eventlog::testing::TempDir dir;
  WriteFile(dir.path() + "/tokens", "tok-a alice\n");
  AccessOptions options;
  options.tokens_file = dir.path() + "/tokens";
  options.client_certificates = true;
  absl::StatusOr<std::unique_ptr<AccessController>> access = AccessController::Create(options);
  ASSERT_THAT(access, IsOk());
  const AccessController& controller = **access;
  EXPECT_EQ(*controller.Authenticate("Bearer tok-a", ""), "alice");
  EXPECT_EQ(*controller.Authenticate("bearer  tok-a ", ""), "alice");
  // A token wins over the certificate; a bad token is not rescued by one.
  EXPECT_EQ(*controller.Authenticate("Bearer tok-a", "carol"), "alice");
  EXPECT_THAT(controller.Authenticate("Bearer nope", "carol"),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(*controller.Authenticate("", "carol"), "carol");
  EXPECT_THAT(controller.Authenticate("", ""), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(controller.Authenticate("Basic dXNlcjpwYXNz", ""),
              StatusIs(absl::StatusCode::kUnauthenticated));
  absl::StatusOr<std::string> unknown = controller.Authenticate("Bearer tok-b", "");
  EXPECT_THAT(unknown, StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(std::string(unknown.status().message()), Not(HasSubstr("tok-b")));
}

TEST(AccessControllerTest, ReloadSwapsTablesAndKeepsThemOnError) {
  eventlog::testing::TempDir dir;
  const std::string acl_path = dir.path() + "/acl";
  WriteFile(acl_path, "alice read topic:orders\n");
  AccessOptions options;
  options.acl_file = acl_path;
  absl::StatusOr<std::unique_ptr<AccessController>> access = AccessController::Create(options);
  ASSERT_THAT(access, IsOk());
  AccessController& controller = **access;
  EXPECT_THAT(controller.Authorize("alice", Operation::kWrite, ResourceType::kTopic, "orders"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  absl::Status denied =
      controller.Authorize("alice", Operation::kWrite, ResourceType::kTopic, "orders");
  EXPECT_THAT(std::string(denied.message()), HasSubstr("\"alice\" may not write topic \"orders\""));

  WriteFile(acl_path, "alice read,write topic:orders\n");
  ASSERT_THAT(controller.Reload(), IsOk());
  EXPECT_THAT(controller.Authorize("alice", Operation::kWrite, ResourceType::kTopic, "orders"),
              IsOk());

  WriteFile(acl_path, "alice juggle topic:orders\n");
  EXPECT_THAT(controller.Reload(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(controller.Authorize("alice", Operation::kWrite, ResourceType::kTopic, "orders"),
              IsOk());
  EXPECT_THAT(controller.Authorize("alice", Operation::kAdmin, ResourceType::kTopic, "orders"),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

TEST(AccessControllerTest, BadFilesFailCreate) {
  AccessOptions options;
  options.acl_file = "/nonexistent/acl";
  EXPECT_THAT(AccessController::Create(options), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace eventlog::security
