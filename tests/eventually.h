// Eventually(done): polls until `done` holds, for tests that wait on other
// processes (brokers, etcd) to converge.
#pragma once

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace eventlog::testing {

// True once `done()` returns true; false after `timeout`, which is a safety
// net for a test that would otherwise hang, never a timed assertion.
template <typename Predicate>
bool Eventually(Predicate done, absl::Duration timeout = absl::Seconds(60),
                absl::Duration poll = absl::Milliseconds(50)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(poll);
  }
  return true;
}

}  // namespace eventlog::testing
