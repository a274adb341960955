#include "tests/e2e/eventlogd_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

extern char** environ;

namespace eventlog::testing {

absl::StatusOr<std::unique_ptr<EventlogdProcess>> EventlogdProcess::Start(
    const std::string& data_dir) {
  return Start(data_dir, Options());
}

absl::StatusOr<std::unique_ptr<EventlogdProcess>> EventlogdProcess::Start(
    const std::string& data_dir, const Options& options) {
  const char* binary = std::getenv("EVENTLOGD");
  if (binary == nullptr) return absl::FailedPreconditionError("$EVENTLOGD is not set");
  int fds[2];
  if (pipe(fds) != 0) return absl::InternalError("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  if (!options.stderr_path.empty()) {
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, options.stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
  }
  std::vector<std::string> args = {absl::StrCat("--listen=", options.listen),
                                   absl::StrCat("--data_dir=", data_dir)};
  args.insert(args.end(), options.flags.begin(), options.flags.end());
  // nsenter joins the namespace and execs eventlogd in place (same pid).
  std::vector<std::string> prefix;
  if (!options.netns.empty()) prefix = {"/usr/bin/nsenter", "--net=" + options.netns, "--"};
  prefix.push_back(binary);
  args.insert(args.begin(), prefix.begin(), prefix.end());
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    return absl::InternalError(absl::StrCat("cannot start ", binary, ": errno ", rc));
  }
  auto process = std::make_unique<EventlogdProcess>(pid, fds[0]);

  // Read stdout until the "listening on" line, and with --http_listen the
  // "serving HTTP on" line printed after it.
  const bool http = std::any_of(options.flags.begin(), options.flags.end(), [](const std::string& f) {
    return absl::StartsWith(f, "--http_listen=");
  });
  std::string output;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  // The value after `marker` at the start of a line, up to the end of that
  // line; "" until complete. (At a line's start: "kafka listening on"
  // also contains "listening on".)
  auto line_value = [&output](const std::string& marker) -> std::string {
    const bool first_line = absl::StartsWith(output, marker);
    size_t at = first_line ? 0 : output.find("\n" + marker);
    if (at == std::string::npos) return "";
    if (!first_line) ++at;
    const size_t end = output.find('\n', at);
    if (end == std::string::npos) return "";
    return output.substr(at + marker.size(), end - at - marker.size());
  };
  while (true) {
    process->address_ = line_value("listening on ");
    if (http) process->http_address_ = line_value("serving HTTP on ");
    process->kafka_address_ = line_value("kafka listening on ");
    if (!process->address_.empty() && (!http || !process->http_address_.empty())) break;
    const int64_t wait_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    pollfd pfd{process->stdout_fd_, POLLIN, 0};
    if (wait_ms <= 0 || poll(&pfd, 1, static_cast<int>(wait_ms)) <= 0) {
      return absl::DeadlineExceededError(
          absl::StrCat("eventlogd did not listen; stdout: ", output));
    }
    char buffer[4096];
    const ssize_t n = read(process->stdout_fd_, buffer, sizeof(buffer));
    if (n <= 0) return absl::InternalError(absl::StrCat("eventlogd exited; stdout: ", output));
    output.append(buffer, static_cast<size_t>(n));
  }
  process->drain_ = std::thread([fd = process->stdout_fd_] {
    char buffer[4096];
    while (read(fd, buffer, sizeof(buffer)) > 0) {
    }
  });
  return process;
}

EventlogdProcess::~EventlogdProcess() {
  Kill();
  if (drain_.joinable()) drain_.join();
  close(stdout_fd_);
}

absl::StatusOr<int> EventlogdProcess::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (done < 0 && errno != EINTR) return absl::InternalError("waitpid failed");
    if (absl::Now() >= deadline) return absl::DeadlineExceededError("eventlogd did not exit");
    absl::SleepFor(absl::Milliseconds(10));
  }
}

absl::StatusOr<int> EventlogdProcess::Terminate(absl::Duration timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("not running");
  kill(pid_, SIGTERM);
  absl::StatusOr<int> status = Wait(timeout);
  if (!status.ok()) Kill();
  return status;
}

void EventlogdProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

}  // namespace eventlog::testing
