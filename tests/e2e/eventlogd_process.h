// EventlogdProcess: the real eventlogd binary ($EVENTLOGD) run as a child
// process on 127.0.0.1 with a kernel-chosen port (parsed from its
// "listening on HOST:PORT" line) and a given data directory.
//
// Not thread-safe. The destructor kills the process (SIGKILL) if it is still
// running, so a failing test never leaves it behind.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace eventlog::testing {

class EventlogdProcess {
 public:
  // Starts eventlogd and waits (up to 30 s) until it listens.
  static absl::StatusOr<std::unique_ptr<EventlogdProcess>> Start(const std::string& data_dir);

  struct Options {
    std::string listen = "127.0.0.1:0";
    // More flags (e.g. a cluster's).
    std::vector<std::string> flags;
    // Where its stderr goes (appended); empty: the test's stderr.
    std::string stderr_path;
    // The network namespace it runs in (a path for nsenter --net=, e.g. a
    // NetworkLab node's); empty: the test's own.
    std::string netns;
  };
  static absl::StatusOr<std::unique_ptr<EventlogdProcess>> Start(const std::string& data_dir,
                                                                 const Options& options);
  // Adopts a started child whose stdout is `stdout_fd`; use Start().
  EventlogdProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}
  ~EventlogdProcess();
  EventlogdProcess(const EventlogdProcess&) = delete;
  EventlogdProcess& operator=(const EventlogdProcess&) = delete;

  const std::string& address() const { return address_; }
  // HOST:PORT of the HTTP listener when started with --http_listen=...; "".
  const std::string& http_address() const { return http_address_; }
  // HOST:PORT of the Kafka listener when started with --kafka_listen=...; "".
  const std::string& kafka_address() const { return kafka_address_; }
  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }

  // SIGTERM, then waits up to `timeout`; returns the exit status (or
  // DEADLINE_EXCEEDED, after which the process is killed).
  absl::StatusOr<int> Terminate(absl::Duration timeout);
  // SIGKILL and reap: a crash.
  void Kill();

 private:
  absl::StatusOr<int> Wait(absl::Duration timeout);

  pid_t pid_;
  int stdout_fd_;
  std::string address_;
  std::string http_address_;
  std::string kafka_address_;
  std::thread drain_;  // reads stdout until EOF so the pipe never fills
};

}  // namespace eventlog::testing
