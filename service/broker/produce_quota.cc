#include "service/broker/produce_quota.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace eventlog::broker {
namespace {

// How often idle buckets are swept out.
constexpr int64_t kSweepIntervalMs = 10000;

}  // namespace

ProduceQuota::ProduceQuota(int64_t bytes_per_sec, const util::Clock* clock)
    : bytes_per_sec_(std::max<int64_t>(bytes_per_sec, 0)), clock_(clock) {}

absl::Status ProduceQuota::Charge(absl::string_view connection, int64_t bytes) {
  if (bytes_per_sec_ == 0) return absl::OkStatus();
  const double burst = static_cast<double>(bytes_per_sec_);
  const int64_t now_ms = clock_->NowMs();
  absl::MutexLock lock(&mu_);
  if (now_ms - last_sweep_ms_ >= kSweepIntervalMs) {
    ForgetFullLocked(now_ms);
    last_sweep_ms_ = now_ms;
  }
  auto [it, inserted] = buckets_.try_emplace(connection);
  Bucket& bucket = it->second;
  if (inserted) {
    bucket.tokens = burst;
  } else if (now_ms > bucket.updated_ms) {
    bucket.tokens = std::min(
        burst, bucket.tokens + burst * static_cast<double>(now_ms - bucket.updated_ms) / 1000.0);
  }
  bucket.updated_ms = std::max(bucket.updated_ms, now_ms);
  const double need = static_cast<double>(bytes);
  if (need > bucket.tokens && bucket.tokens < burst) {
    return absl::ResourceExhaustedError(absl::StrCat("produce quota of ", bytes_per_sec_,
                                                     " bytes/s for this connection exceeded (",
                                                     bytes, " bytes requested); retry later"));
  }
  bucket.tokens -= need;
  return absl::OkStatus();
}

void ProduceQuota::ForgetFullLocked(int64_t now_ms) {
  const double burst = static_cast<double>(bytes_per_sec_);
  absl::erase_if(buckets_, [&](const auto& entry) {
    const Bucket& bucket = entry.second;
    return bucket.tokens + burst * static_cast<double>(now_ms - bucket.updated_ms) / 1000.0 >=
           burst;
  });
}

}  // namespace eventlog::broker
