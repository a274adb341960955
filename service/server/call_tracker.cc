#include "service/server/call_tracker.h"

#include "absl/strings/match.h"

namespace eventlog::service {
namespace {

// Lives as long as its call: gRPC destroys interceptors with the call.
class CountingInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit CountingInterceptor(CallTracker* tracker) : tracker_(tracker) {
    tracker_->CallStarted();
  }
  ~CountingInterceptor() override { tracker_->CallEnded(); }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    methods->Proceed();
  }

 private:
  CallTracker* const tracker_;
};

class CountingInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit CountingInterceptorFactory(CallTracker* tracker) : tracker_(tracker) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    // Only the EventLog service: health Watch streams and reflection do not
    // hold up a shutdown.
    if (info->method() == nullptr || !absl::StartsWith(info->method(), "/eventlog.")) {
      return nullptr;
    }
    return new CountingInterceptor(tracker_);  // Owned by the call.
  }

 private:
  CallTracker* const tracker_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
CallTracker::NewInterceptorFactory() {
  return std::make_unique<CountingInterceptorFactory>(this);
}

bool CallTracker::WaitForIdle(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  const absl::Condition idle(
      +[](int* in_progress) { return *in_progress == 0; }, &in_progress_);
  return mu_.AwaitWithDeadline(idle, deadline);
}

int CallTracker::in_progress() const {
  absl::MutexLock lock(&mu_);
  return in_progress_;
}

void CallTracker::CallStarted() {
  absl::MutexLock lock(&mu_);
  ++in_progress_;
}

void CallTracker::CallEnded() {
  absl::MutexLock lock(&mu_);
  --in_progress_;
}

}  // namespace eventlog::service
