// RefCountedReactor: the lifetime of a self-deleting gRPC reactor that also
// receives callbacks from outside gRPC (storage waiters, appends, alarms,
// the broker's shutdown signal). The reactor starts with one reference,
// which its OnDone() drops; every outside callback takes a reference before
// it is registered and drops it as the last thing it does. The last drop
// deletes the reactor, so no callback ever touches a deleted one.
//
// Thread-safe.
#pragma once

#include <atomic>

namespace eventlog::service {

class RefCountedReactor {
 public:
  RefCountedReactor() = default;
  RefCountedReactor(const RefCountedReactor&) = delete;
  RefCountedReactor& operator=(const RefCountedReactor&) = delete;

  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 protected:
  // Only Unref() deletes.
  virtual ~RefCountedReactor() = default;

 private:
  std::atomic<int> refs_{1};
};

}  // namespace eventlog::service
