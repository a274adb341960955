// SubscriptionSlots: the server-wide cap on open Subscribe streams. Each
// open subscription holds a Slot; the slot is given back when the Slot is
// destroyed.
//
// Thread-safe. Must outlive every Slot it hands out.
#pragma once

#include <atomic>
#include <cstdint>

#include "absl/status/statusor.h"

namespace eventlog::broker {

class SubscriptionSlots {
 public:
  // Move-only claim on one slot.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Slot& operator=(Slot&& other) noexcept;
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    ~Slot() { Release(); }

   private:
    friend class SubscriptionSlots;
    explicit Slot(SubscriptionSlots* owner) : owner_(owner) {}
    void Release();
    SubscriptionSlots* owner_ = nullptr;
  };

  // `max` of 0 or less: unlimited.
  explicit SubscriptionSlots(int64_t max) : max_(max) {}

  // A slot, or RESOURCE_EXHAUSTED naming the limit when all are taken.
  absl::StatusOr<Slot> Acquire();

  int64_t open() const { return open_.load(); }

 private:
  const int64_t max_;
  std::atomic<int64_t> open_{0};
};

}  // namespace eventlog::broker
