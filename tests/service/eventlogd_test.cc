// The eventlogd binary as a process: the "listening on" line, serving,
// SIGTERM -> exit 0, and a second process on the same data dir refused.
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <poll.h>
#include <sys/resource.h>
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
#include "tests/child_process.h"
#include "tests/test_util.h"

namespace eventlog::service::testing {
namespace {

namespace v1 = ::eventlog::v1;

using Child = ::eventlog::testing::ChildProcess;

TEST(EventlogdTest, ServesAndExitsCleanlyOnSigterm) {
  eventlog::testing::TempDir dir;
  const std::string data_dir = dir.path() + "/data";
  Child server({EVENTLOGD_PATH, "--listen=127.0.0.1:0", "--data_dir=" + data_dir});
  const std::string line = server.ReadStdoutLine();
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
  const std::string again_line = again.ReadStdoutLine();
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

// Every segment file stays open: eventlogd takes the whole hard limit at
// start, and refuses, with the numbers, a data directory that still does not
// fit (instead of failing with EMFILE halfway through a run).
TEST(EventlogdTest, TheOpenFileLimitIsRaisedAndADataDirectoryThatCannotFitIsRefused) {
  eventlog::testing::TempDir dir;
  const std::string data_dir = dir.path() + "/data";
  constexpr int kPartitions = 300;
  {
    Child server({EVENTLOGD_PATH, "--listen=127.0.0.1:0", "--data_dir=" + data_dir});
    const std::string line = server.ReadStdoutLine();
    ASSERT_THAT(line, ::testing::StartsWith("listening on "));
    auto stub = v1::EventLog::NewStub(grpc::CreateChannel(
        line.substr(std::string("listening on ").size()), grpc::InsecureChannelCredentials()));
    v1::CreateTopicRequest request;
    request.set_name("wide");
    request.set_partitions(kPartitions);
    v1::TopicDescription description;
    grpc::ClientContext context;
    ASSERT_TRUE(stub->CreateTopic(&context, request, &description).ok());
    server.Signal(SIGTERM);
    ASSERT_EQ(server.Wait(), 0);
  }
  // A shell sets the limits of the broker it then becomes.
  auto under_limit = [&](const std::string& ulimit) {
    return std::vector<std::string>{"/bin/sh", "-c", ulimit + " && exec \"$0\" \"$@\"",
                                    EVENTLOGD_PATH, "--listen=127.0.0.1:0",
                                    "--data_dir=" + data_dir};
  };

  // Soft and hard limit below what 300 segment files need: refused, named.
  Child refused(under_limit("ulimit -n " + std::to_string(kPartitions)));
  if (!refused.ReadStdoutLine().empty()) refused.Signal(SIGTERM);
  const int refused_status = refused.Wait();
  ASSERT_TRUE(WIFEXITED(refused_status));
  EXPECT_NE(WEXITSTATUS(refused_status), 0);
  EXPECT_THAT(refused.ReadAllStderr(),
              ::testing::AllOf(::testing::HasSubstr("300 segment files"),
                               ::testing::HasSubstr("open file limit is 300"),
                               ::testing::HasSubstr("ulimit -n")));

  // A low soft limit under a high hard one is raised, logged, and the
  // directory opens.
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < 2 * kPartitions + 512) {
    GTEST_SKIP() << "the hard open file limit (" << limit.rlim_max << ") is too low to test raising";
  }
  Child raised(under_limit("ulimit -Sn " + std::to_string(kPartitions)));
  ASSERT_THAT(raised.ReadStdoutLine(), ::testing::StartsWith("listening on "));
  raised.Signal(SIGTERM);
  EXPECT_EQ(raised.Wait(), 0);
  EXPECT_THAT(raised.ReadAllStderr(),
              ::testing::HasSubstr("open file limit raised to the hard limit"));
}

TEST(EventlogdTest, SecondProcessOnTheSameAddressExitsWithAClearError) {
  eventlog::testing::TempDir dir;
  Child server({EVENTLOGD_PATH, "--listen=127.0.0.1:0", "--data_dir=" + dir.path() + "/a"});
  const std::string line = server.ReadStdoutLine();
  ASSERT_THAT(line, ::testing::StartsWith("listening on 127.0.0.1:"));
  const std::string address = line.substr(std::string("listening on ").size());

  Child second({EVENTLOGD_PATH, "--listen=" + address, "--data_dir=" + dir.path() + "/b"});
  // Without SO_REUSEPORT off, this one would start and print "listening on";
  // end it so that Wait() returns and the test fails instead of hanging.
  if (!second.ReadStdoutLine().empty()) second.Signal(SIGTERM);
  const int second_status = second.Wait();
  ASSERT_TRUE(WIFEXITED(second_status));
  EXPECT_NE(WEXITSTATUS(second_status), 0);
  EXPECT_THAT(second.ReadAllStderr(),
              ::testing::AllOf(::testing::HasSubstr("cannot listen on " + address),
                               ::testing::HasSubstr("in use")));

  server.Signal(SIGTERM);
  const int status = server.Wait();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
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
