#include "storage/util/clock.h"

#include <ctime>

#include "storage/util/no_destructor.h"

namespace eventlog::util {
namespace {

class RealClock final : public Clock {
 public:
  int64_t NowMs() const override {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
  }
};

}  // namespace

Clock* Clock::Real() {
  // Never destroyed, so it stays valid during static destruction.
  static NoDestructor<RealClock> clock;
  return clock.get();
}

}  // namespace eventlog::util
