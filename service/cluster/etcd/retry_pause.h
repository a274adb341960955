// Pauses between retries of etcd calls and streams that keep failing:
// doubling from 100 ms up to a cap each caller chooses.
#pragma once

#include <algorithm>

#include "absl/time/time.h"

namespace eventlog::etcd {

inline constexpr absl::Duration kFirstRetryPause = absl::Milliseconds(100);

// The pause after `pause` (zero before the first retry): twice as long,
// at least kFirstRetryPause, at most `max`.
inline absl::Duration NextRetryPause(absl::Duration pause, absl::Duration max) {
  return std::clamp(pause * 2, kFirstRetryPause, max);
}

}  // namespace eventlog::etcd
