#include "service/ops/readiness.h"

#include "absl/strings/str_cat.h"

namespace eventlog::ops {

void Readiness::AddCheck(std::string name, Check check) {
  absl::MutexLock lock(&mu_);
  checks_.emplace_back(std::move(name), std::move(check));
}

absl::Status Readiness::Ready() const {
  if (broker_->shutting_down()) return absl::UnavailableError("shutting down");
  if (absl::Status health = broker_->storage_health(); !health.ok()) {
    return absl::UnavailableError(absl::StrCat("storage failed: ", health.message()));
  }
  absl::MutexLock lock(&mu_);
  for (const auto& [name, check] : checks_) {
    if (absl::Status status = check(); !status.ok()) {
      return absl::UnavailableError(absl::StrCat(name, ": ", status.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace eventlog::ops
