// ChildProcess: a program run by a test, with stdout and stderr piped back.
// The destructor kills it (this pid only) if it is still running, so a
// failing test never leaves a server behind. Not thread-safe.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace eventlog::testing {

class ChildProcess {
 public:
  // Runs args[0] (a path) with `args`.
  explicit ChildProcess(const std::vector<std::string>& args) {
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
  ~ChildProcess() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_ >= 0) close(stdout_);
    if (stderr_ >= 0) close(stderr_);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The next line of stdout / stderr, or "" at EOF or after `timeout` (a
  // safety net only, never a timed assertion).
  std::string ReadStdoutLine(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    return ReadLine(stdout_, timeout);
  }
  std::string ReadStderrLine(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    return ReadLine(stderr_, timeout);
  }

  // The next stderr line containing `text` ("" if none comes).
  std::string WaitForStderr(const std::string& text) {
    for (std::string line = ReadStderrLine(); !line.empty(); line = ReadStderrLine()) {
      if (line.find(text) != std::string::npos) return line;
    }
    return "";
  }

  // Everything left on stderr, up to EOF (call after the process exited).
  std::string ReadAllStderr() {
    std::string all;
    char buffer[512];
    ssize_t n;
    while ((n = read(stderr_, buffer, sizeof(buffer))) > 0) all.append(buffer, n);
    return all;
  }

  void Signal(int signal) { kill(pid_, signal); }

  // The exit status (as from waitpid), or -1 if still running after
  // `timeout` (then the destructor kills it).
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

  // SIGTERM, then the exit code (-1 if it did not exit normally in time).
  int Terminate() {
    Signal(SIGTERM);
    const int status = Wait();
    return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  static std::string ReadLine(int fd, std::chrono::milliseconds timeout) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd poll_fd{fd, POLLIN, 0};
      if (poll(&poll_fd, 1, 100) <= 0) continue;
      char c;
      if (read(fd, &c, 1) != 1) break;
      if (c == '\n') return line;
      line.push_back(c);
    }
    return line;
  }

  pid_t pid_ = -1;
  int stdout_ = -1;
  int stderr_ = -1;
  bool exited_ = false;
};

}  // namespace eventlog::testing
