// ReconnectBackoff: when a broken stream may be opened again. The first
// attempt after a success is immediate; each later one waits twice as long
// as the one before (100 ms, 200 ms, ... up to 5 s), so a broker that is
// down is not hammered and one that is back is found quickly.
//
// Thread-compatible (a value the caller guards).
#pragma once

#include <algorithm>

#include "absl/time/time.h"

namespace eventlog::client {

class ReconnectBackoff {
 public:
  static constexpr absl::Duration kFirst = absl::Milliseconds(100);
  static constexpr absl::Duration kMax = absl::Seconds(5);

  // Whether an attempt may start at `now`.
  bool Ready(absl::Time now) const { return now >= next_; }
  // When the next attempt may start.
  absl::Time next() const { return next_; }
  // How long the attempt after the next one will wait.
  absl::Duration wait() const { return wait_; }

  // An attempt starts (or a break is seen) at `now`: the next one waits.
  void Schedule(absl::Time now) {
    next_ = now + wait_;
    wait_ = std::min(std::max(2 * wait_, kFirst), kMax);
  }
  // The stream works again: the next break is retried at once.
  void Reset() {
    next_ = absl::InfinitePast();
    wait_ = absl::ZeroDuration();
  }

 private:
  absl::Time next_ = absl::InfinitePast();
  absl::Duration wait_ = absl::ZeroDuration();
};

}  // namespace eventlog::client
