#include "storage/storage_health.h"

#include "absl/strings/str_cat.h"
#include "storage/util/logging/logger.h"

namespace eventlog::storage {

absl::Status StorageHealth::CheckSync(const absl::Status& sync_status, const std::string& what) {
  if (sync_status.ok()) return status();
  bool first = false;
  absl::Status latched;
  {
    absl::MutexLock lock(&mu_);
    if (latched_.ok()) {
      first = true;
      latched_ = absl::UnavailableError(absl::StrCat(
          "the broker's storage failed (", what, ": ", sync_status.message(),
          "); nothing written since the last successful sync is acknowledged and the broker is "
          "stopping so that recovery reads what is really on disk: retry after it restarts"));
      failed_.store(true, std::memory_order_release);
    }
    latched = latched_;
  }
  if (first) {
    logging::LogError("storage", "FATAL: a sync failed; the store refuses appends from now on",
                      {{"what", what}, {"error", sync_status.message()}});
    if (on_failure_) on_failure_(latched);
  }
  return latched;
}

absl::Status StorageHealth::status() const {
  if (!failed()) return absl::OkStatus();
  absl::MutexLock lock(&mu_);
  return latched_;
}

}  // namespace eventlog::storage
