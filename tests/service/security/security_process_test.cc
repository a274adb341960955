// eventlogd and the eventlog CLI as processes: TLS/mTLS/token flags of the
// CLI, and SIGHUP reloading the ACL of a running server without a restart.
#include <fcntl.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/child_process.h"
#include "tests/test_util.h"

namespace eventlog::service::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using Eventlogd = ::eventlog::testing::ChildProcess;

struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

class SecurityProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_ = dir_.path() + "/certs";
    const std::string command = absl::StrCat(MAKE_TEST_CERTS, " '", certs_, "' >/dev/null 2>&1");
    ASSERT_EQ(std::system(command.c_str()), 0) << "openssl failed";
    WriteFile("tokens", "tok-admin admin\ntok-reader reader\n");
    WriteFile("acl", kAcl);
    server_ = std::make_unique<Eventlogd>(std::vector<std::string>{
        EVENTLOGD_PATH, "--listen=127.0.0.1:0", "--data_dir=" + dir_.path() + "/data",
        "--tls_cert=" + certs_ + "/server.pem", "--tls_key=" + certs_ + "/server.key",
        "--tls_client_ca=" + certs_ + "/ca.pem", "--auth_tokens=" + dir_.path() + "/tokens",
        "--acl=" + dir_.path() + "/acl", "--cleanup_interval_ms=60000"});
    const std::string line = server_->ReadStdoutLine();
    ASSERT_EQ(line.rfind("listening on ", 0), 0u) << line;
    address_ = line.substr(13);
  }

  void TearDown() override {
    if (server_ != nullptr) {
      EXPECT_EQ(server_->Terminate(), 0);
    }
  }

  static constexpr char kAcl[] =
      "admin all  topic:*\n"
      "alice read topic:*\n"
      "reader read topic:*\n";

  void WriteFile(const std::string& name, const std::string& text) {
    std::ofstream(dir_.path() + "/" + name, std::ios::trunc) << text;
  }

  // The CLI's TLS flags for a client holding alice's certificate.
  std::vector<std::string> Alice() const {
    return {"--tls_ca=" + certs_ + "/ca.pem", "--tls_cert=" + certs_ + "/client.pem",
            "--tls_key=" + certs_ + "/client.key"};
  }

  // Runs `eventlog ARGS --server=ADDRESS extra...` with `input` on stdin.
  CliResult Cli(std::vector<std::string> args, const std::vector<std::string>& extra,
                const std::string& input = "", const std::string& env = "") {
    WriteFile("stdin", input);
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("--server=" + address_);
    args.push_back("--timeout_ms=20000");
    std::vector<std::string> quoted;
    for (const std::string& arg : args) quoted.push_back("'" + arg + "'");
    const std::string command =
        absl::StrCat(env, " '", EVENTLOG_CLI_PATH, "' ", absl::StrJoin(quoted, " "), " < '",
                     dir_.path(), "/stdin' 2>&1");
    CliResult result;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
    const int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
  }

  // Appends to the ACL file, sends SIGHUP and waits for eventlogd's report.
  std::string ReloadAcl(const std::string& text) {
    WriteFile("acl", text);
    server_->Signal(SIGHUP);
    return server_->WaitForStderr("SIGHUP");
  }

  eventlog::testing::TempDir dir_;
  std::string certs_;
  std::string address_;
  std::unique_ptr<Eventlogd> server_;
};

TEST_F(SecurityProcessTest, CliSecurityFlags) {
  std::vector<std::string> admin = Alice();
  admin.push_back("--token=tok-admin");
  CliResult created = Cli({"topic", "create", "orders"}, admin);
  ASSERT_EQ(created.exit_code, 0) << created.output;

  // The certificate alone names alice, who may read but not write.
  CliResult listed = Cli({"topic", "list"}, Alice());
  EXPECT_EQ(listed.exit_code, 0) << listed.output;
  EXPECT_THAT(listed.output, HasSubstr("orders"));
  CliResult refused = Cli({"produce", "orders"}, Alice(), "hello\n");
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("PERMISSION_DENIED"));
  EXPECT_THAT(refused.output, HasSubstr("alice"));

  // $EVENTLOG_TOKEN is the default token.
  CliResult by_env = Cli({"produce", "orders"}, Alice(), "hello\n", "EVENTLOG_TOKEN=tok-admin");
  EXPECT_EQ(by_env.exit_code, 0) << by_env.output;
  CliResult bad_token = Cli({"topic", "list"}, Alice(), "", "EVENTLOG_TOKEN=wrong");
  EXPECT_EQ(bad_token.exit_code, 1) << bad_token.output;
  EXPECT_THAT(bad_token.output, HasSubstr("UNAUTHENTICATED"));

  // No client certificate: the mTLS handshake fails.
  CliResult no_cert =
      Cli({"topic", "list"}, {"--tls_ca=" + certs_ + "/ca.pem", "--token=tok-admin"});
  EXPECT_EQ(no_cert.exit_code, 1) << no_cert.output;
  EXPECT_THAT(no_cert.output, HasSubstr("UNAVAILABLE"));
  // Plaintext to a TLS server fails too.
  CliResult plaintext = Cli({"topic", "list"}, {"--token=tok-admin"});
  EXPECT_EQ(plaintext.exit_code, 1) << plaintext.output;
  // A missing CA file is a usage error, reported before connecting.
  CliResult missing = Cli({"topic", "list"}, {"--tls_ca=" + certs_ + "/nope.pem"});
  EXPECT_EQ(missing.exit_code, 2) << missing.output;
  EXPECT_THAT(missing.output, HasSubstr("nope.pem"));
}

TEST_F(SecurityProcessTest, SighupReloadsTheAcl) {
  std::vector<std::string> admin = Alice();
  admin.push_back("--token=tok-admin");
  ASSERT_EQ(Cli({"topic", "create", "orders"}, admin).exit_code, 0);
  CliResult before = Cli({"produce", "orders"}, Alice(), "one\n");
  EXPECT_EQ(before.exit_code, 1) << before.output;
  EXPECT_THAT(before.output, HasSubstr("PERMISSION_DENIED"));

  EXPECT_THAT(ReloadAcl(std::string(kAcl) + "alice write topic:orders\n"), HasSubstr("reloaded"));
  CliResult after = Cli({"produce", "orders"}, Alice(), "one\n");
  EXPECT_EQ(after.exit_code, 0) << after.output;

  // A broken file is reported and the ACL in force stays.
  const std::string failed = ReloadAcl("alice write\n");
  EXPECT_THAT(failed, HasSubstr("reload failed"));
  EXPECT_THAT(failed, HasSubstr("acl:1"));
  CliResult still = Cli({"produce", "orders"}, Alice(), "two\n");
  EXPECT_EQ(still.exit_code, 0) << still.output;
  CliResult consumed = Cli({"consume", "orders", "--max=2"}, Alice());
  EXPECT_EQ(consumed.exit_code, 0) << consumed.output;
  EXPECT_THAT(consumed.output, HasSubstr("one"));
  EXPECT_THAT(consumed.output, HasSubstr("two"));

  // Taking the grant away works the same way.
  EXPECT_THAT(ReloadAcl(kAcl), HasSubstr("reloaded"));
  EXPECT_EQ(Cli({"produce", "orders"}, Alice(), "three\n").exit_code, 1);
  EXPECT_THAT(Cli({"topic", "list"}, Alice()).output, Not(HasSubstr("DENIED")));
}

// Asks server reflection to list the services (one bidi call through the
// generic async API, so no reflection stubs are needed); the call's status.
grpc::Status ListServicesByReflection(const std::string& address, const std::string& version) {
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto call = stub.PrepareCall(
      &context, "/grpc.reflection." + version + ".ServerReflection/ServerReflectionInfo", &cq);
  auto wait = [&cq] {
    void* tag;
    bool ok;
    cq.Next(&tag, &ok);
    return ok;
  };
  call->StartCall(nullptr);
  wait();
  // ServerReflectionRequest{list_services: ""}: field 7, length-delimited, empty.
  const char request[] = {0x3a, 0x00};
  grpc::Slice slice(request, sizeof(request));
  grpc::ByteBuffer buffer(&slice, 1);
  call->Write(buffer, nullptr);
  wait();
  call->WritesDone(nullptr);
  wait();
  grpc::ByteBuffer response;
  call->Read(&response, nullptr);
  const bool answered = wait();
  grpc::Status status;
  call->Finish(&status, nullptr);
  wait();
  cq.Shutdown();
  if (status.ok() && !answered) return grpc::Status(grpc::StatusCode::UNKNOWN, "no answer");
  return status;
}

TEST(ReflectionFlagTest, ReflectionIsOnByDefaultAndCanBeTurnedOff) {
  for (bool enabled : {true, false}) {
    eventlog::testing::TempDir dir;
    Eventlogd server({EVENTLOGD_PATH, "--listen=127.0.0.1:0", "--data_dir=" + dir.path(),
                      enabled ? "--reflection" : "--noreflection"});
    const std::string line = server.ReadStdoutLine();
    ASSERT_EQ(line.rfind("listening on ", 0), 0u) << line;
    for (const std::string version : {"v1alpha", "v1"}) {
      const grpc::Status status = ListServicesByReflection(line.substr(13), version);
      EXPECT_EQ(status.error_code(),
                enabled ? grpc::StatusCode::OK : grpc::StatusCode::UNIMPLEMENTED)
          << version << ": " << status.error_message();
    }
    EXPECT_EQ(server.Terminate(), 0);
  }
}

}  // namespace
}  // namespace eventlog::service::testing
