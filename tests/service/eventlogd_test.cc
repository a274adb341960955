// The eventlogd binary as a process: the "listening on" line, serving,
// SIGTERM -> exit 0, and a second process on the same data dir refused.
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "eventlog/v1/eventlog.grpc.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace eventlog::service::testing {
namespace {

namespace v1 = ::eventlog::v1;

// A child process with its stdout and stderr piped to us. Killed (only this
// pid) if still running when destroyed.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args) {
    int out[2], err[2];
    if (pipe(out) != 0 || pipe(err) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], 1);
      dup2(err[1], 2);
      close(out[0]);
      close(err[0]);
      std::vector<char*> argv;
      for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    close(err[1]);
    stdout_ = out[0];
    stderr_ = err[0];
  }
  ~Child() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_ >= 0) close(stdout_);
    if (stderr_ >= 0) close(stderr_);
  }

  // One line of stdout, or "" after `timeout` (a safety net only).
  std::string ReadLine(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd fd{stdout_, POLLIN, 0};
      if (poll(&fd, 1, 100) <= 0) continue;
      char c;
      if (read(stdout_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line.push_back(c);
    }
    return line;
  }

  std::string ReadAllStderr() {
    std::string all;
    char buffer[512];
    ssize_t n;
    while ((n = read(stderr_, buffer, sizeof(buffer))) > 0) all.append(buffer, n);
    return all;
  }

  void Signal(int signal) { kill(pid_, signal); }

  // The exit status (as from waitpid), or -1 if still running after
  // `timeout` (a safety net; then the destructor kills it).
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int stdout_ = -1;
  int stderr_ = -1;
  bool exited_ = false;
};

TEST(EventlogdTest, ServesAndExitsCleanlyOnSigterm) {
  eventlog::testing::TempDir dir;
  const std::string data_dir = dir.path() + "/data";
  Child server({EVENTLOGD_PATH, "--listen=127.0.0.1:0", "--data_dir=" + data_dir});
  const std::string line = server.ReadLine();
  ASSERT_THAT(line, ::testing::StartsWith("listening on 127.0.0.1:"));
  const std::string address = line.substr(std::string("listening on ").size());
  EXPECT_NE(address, "127.0.0.1:0");

  auto stub =
      v1::EventLog::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  {
    v1::CreateTopicRequest request;
    request.set_name("t");
    v1::TopicDescription description;
    grpc::ClientContext context;
    ASSERT_TRUE(stub->CreateTopic(&context, request, &description).ok());
  }

  // A second eventlogd on the same directory is refused with a message.
  Child second({EVENTLOGD_PATH, "--listen=127.0.0.1:0", "--data_dir=" + data_dir});
  const int second_status = second.Wait();
  ASSERT_TRUE(WIFEXITED(second_status));
  EXPECT_NE(WEXITSTATUS(second_status), 0);
  EXPECT_THAT(second.ReadAllStderr(), ::testing::HasSubstr("eventlogd: "));

  server.Signal(SIGTERM);
  const int status = server.Wait();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);

  // The directory is free again and the topic is still there.
  Child again({EVENTLOGD_PATH, "--listen=127.0.0.1:0", "--data_dir=" + data_dir});
  const std::string again_line = again.ReadLine();
  ASSERT_THAT(again_line, ::testing::StartsWith("listening on "));
  auto again_stub = v1::EventLog::NewStub(grpc::CreateChannel(
      again_line.substr(std::string("listening on ").size()), grpc::InsecureChannelCredentials()));
  v1::ListTopicsResponse topics;
  grpc::ClientContext context;
  ASSERT_TRUE(again_stub->ListTopics(&context, v1::ListTopicsRequest(), &topics).ok());
  ASSERT_EQ(topics.topics_size(), 1);
  EXPECT_EQ(topics.topics(0).name(), "t");
  again.Signal(SIGINT);
  const int again_status = again.Wait();
  ASSERT_TRUE(WIFEXITED(again_status));
  EXPECT_EQ(WEXITSTATUS(again_status), 0);
}

TEST(EventlogdTest, BadFlagsExitNonZero) {
  eventlog::testing::TempDir dir;
  Child bad({EVENTLOGD_PATH, "--listen=nonsense", "--data_dir=" + dir.path()});
  const int status = bad.Wait();
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_NE(WEXITSTATUS(status), 0);
  EXPECT_THAT(bad.ReadAllStderr(), ::testing::HasSubstr("HOST:PORT"));
}

}  // namespace
}  // namespace eventlog::service::testing
