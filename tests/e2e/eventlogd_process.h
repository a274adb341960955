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

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace eventlog::testing {

class EventlogdProcess {
 public:
  // Starts eventlogd and waits (up to 30 s) until it listens.
  static absl::StatusOr<std::unique_ptr<EventlogdProcess>> Start(const std::string& data_dir);
  // Adopts a started child whose stdout is `stdout_fd`; use Start().
  EventlogdProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}
  ~EventlogdProcess();
  EventlogdProcess(const EventlogdProcess&) = delete;
  EventlogdProcess& operator=(const EventlogdProcess&) = delete;

  const std::string& address() const { return address_; }

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
  std::thread drain_;  // reads stdout until EOF so the pipe never fills
};

}  // namespace eventlog::testing
