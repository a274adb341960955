// InlineTaskScope: lets the thread that wakes parked readers (the group
// commit thread, after an fsync moved the high watermark) run one woken
// reader's task itself when the scope closes, after every other task was
// handed to its executor. A hand-off to another thread costs a futex wake and
// a context switch: at 10,000 single-record requests/s on two shared cores
// that was tens of microseconds at the median and milliseconds at p90 between
// the wake-up and the read (docs/PERFORMANCE.md, "End-to-end latency").
// Only one task per scope, so that many readers (fan-out) still run in
// parallel on the executor and the next fsync is not held up behind them.
//
// Thread-compatible: a scope belongs to the thread that opened it, and
// TryTake looks only at the calling thread's scope. Scopes do not nest (an
// inner one takes nothing). A task taken runs when the scope is destroyed,
// outside whatever locks the code that woke it held, so open the scope
// before taking them.
#pragma once

#include <utility>

#include "absl/functional/any_invocable.h"

namespace eventlog::util {

class InlineTaskScope {
 public:
  InlineTaskScope() {
    if (current_ == nullptr) current_ = this;
  }
  // Runs the task taken, if any; a task it wakes in turn goes to its
  // executor.
  ~InlineTaskScope() {
    if (current_ != this) return;
    current_ = nullptr;
    if (task_) task_();
  }
  InlineTaskScope(const InlineTaskScope&) = delete;
  InlineTaskScope& operator=(const InlineTaskScope&) = delete;

  // If this thread has an open scope that holds no task yet, moves `task`
  // into it and returns true; otherwise leaves `task` alone and returns
  // false (the caller hands it to its executor).
  static bool TryTake(absl::AnyInvocable<void()>& task) {
    if (current_ == nullptr || current_->task_) return false;
    current_->task_ = std::move(task);
    return true;
  }

 private:
  static inline thread_local InlineTaskScope* current_ = nullptr;
  absl::AnyInvocable<void()> task_;
};

}  // namespace eventlog::util
