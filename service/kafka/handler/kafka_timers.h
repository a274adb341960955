// KafkaTimers: deadlines for the Kafka front door (a Fetch's max_wait_ms)
// on one thread of its own running a Boost.Asio io_context.
//
// Thread-safe. Callbacks run on the timer thread and must be quick; a
// callback whose work is no longer needed just returns (deadlines are not
// cancelled). The destructor stops the thread; callbacks not run by then
// are dropped.
#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>
#include <thread>

#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"

namespace eventlog::kafka {

class KafkaTimers {
 public:
  KafkaTimers();
  ~KafkaTimers();

  KafkaTimers(const KafkaTimers&) = delete;
  KafkaTimers& operator=(const KafkaTimers&) = delete;

  // Runs `callback` once `delay` has passed.
  void After(absl::Duration delay, absl::AnyInvocable<void()> callback);

 private:
  boost::asio::io_context io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
};

}  // namespace eventlog::kafka
