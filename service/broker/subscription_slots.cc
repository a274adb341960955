#include "service/broker/subscription_slots.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace eventlog::broker {

SubscriptionSlots::Slot& SubscriptionSlots::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    Release();
    owner_ = other.owner_;
    other.owner_ = nullptr;
  }
  return *this;
}

void SubscriptionSlots::Slot::Release() {
  if (owner_ != nullptr) owner_->open_.fetch_sub(1);
  owner_ = nullptr;
}

absl::StatusOr<SubscriptionSlots::Slot> SubscriptionSlots::Acquire() {
  const int64_t before = open_.fetch_add(1);
  if (max_ > 0 && before >= max_) {
    open_.fetch_sub(1);
    return absl::ResourceExhaustedError(
        absl::StrCat("the server has reached its limit of ", max_,
                     " open subscriptions (--max_subscriptions); retry later"));
  }
  return Slot(this);
}

}  // namespace eventlog::broker
