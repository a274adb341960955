// FakePartitionLog: a PartitionLog whose offsets and waiters tests set by
// hand, for broker pieces that only need the interface (start positions,
// data waiters). Appends and reads are not supported.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "storage/partition_log.h"

namespace eventlog::broker::testing {

class FakePartitionLog : public storage::PartitionLog {
 public:
  FakePartitionLog(int64_t log_start, int64_t high_watermark)
      : log_start_(log_start), high_watermark_(high_watermark) {}

  int32_t partition() const override { return 0; }
  void AppendAsync(storage::RecordBatchBuilder, storage::Durability,
                   storage::AppendCallback done) override {
    done(absl::UnimplementedError("fake"));
  }
  absl::StatusOr<storage::AppendResult> Append(storage::RecordBatchBuilder,
                                               storage::Durability) override {
    return absl::UnimplementedError("fake");
  }
  using storage::PartitionLog::Read;
  absl::StatusOr<storage::ReadResult> Read(int64_t, const storage::ReadLimits&) const override {
    return absl::UnimplementedError("fake");
  }
  absl::StatusOr<storage::BatchReadResult> ReadBatches(int64_t, int64_t) const override {
    return absl::UnimplementedError("fake");
  }
  // Offset i has timestamp 1000 * i.
  absl::StatusOr<int64_t> OffsetForTimestamp(int64_t timestamp_ms) const override {
    absl::MutexLock lock(&mu_);
    for (int64_t offset = log_start_; offset < high_watermark_; ++offset) {
      if (offset * 1000 >= timestamp_ms) return offset;
    }
    return high_watermark_;
  }
  int64_t log_start_offset() const override {
    absl::MutexLock lock(&mu_);
    return log_start_;
  }
  int64_t high_watermark() const override {
    absl::MutexLock lock(&mu_);
    return high_watermark_;
  }
  int64_t log_end_offset() const override { return high_watermark(); }
  int64_t size_bytes() const override { return 0; }

  WaiterId WaitForData(int64_t offset, absl::AnyInvocable<void()> callback) override {
    absl::MutexLock lock(&mu_);
    if (closed_ || high_watermark_ > offset) return 0;
    const WaiterId id = next_id_++;
    waiters_.emplace(id, Waiter{offset, std::move(callback)});
    return id;
  }
  bool CancelWait(WaiterId id) override {
    absl::MutexLock lock(&mu_);
    return waiters_.erase(id) > 0;
  }
  bool closed() const override {
    absl::MutexLock lock(&mu_);
    return closed_;
  }
  absl::Status Flush() override { return absl::OkStatus(); }
  absl::Status EnforceRetention() override { return absl::OkStatus(); }
  absl::Status Compact() override { return absl::OkStatus(); }

  // Moves the high watermark and runs the waiters it satisfies (outside the
  // lock, as the real log does).
  void SetHighWatermark(int64_t high_watermark) {
    std::map<WaiterId, Waiter> ready;
    {
      absl::MutexLock lock(&mu_);
      high_watermark_ = high_watermark;
      for (auto it = waiters_.begin(); it != waiters_.end();) {
        if (high_watermark_ > it->second.offset) {
          ready.insert(waiters_.extract(it++));
        } else {
          ++it;
        }
      }
    }
    for (auto& [id, waiter] : ready) waiter.callback();
  }

  void Close() {
    std::map<WaiterId, Waiter> all;
    {
      absl::MutexLock lock(&mu_);
      closed_ = true;
      all.swap(waiters_);
    }
    for (auto& [id, waiter] : all) waiter.callback();
  }

  size_t waiter_count() const {
    absl::MutexLock lock(&mu_);
    return waiters_.size();
  }

 private:
  struct Waiter {
    int64_t offset;
    absl::AnyInvocable<void()> callback;
  };

  mutable absl::Mutex mu_;
  int64_t log_start_ ABSL_GUARDED_BY(mu_);
  int64_t high_watermark_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  WaiterId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<WaiterId, Waiter> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::broker::testing
