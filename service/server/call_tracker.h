// CallTracker: counts the eventlog.v1 calls in progress, so that shutdown can
// wait until the open calls have ended (streams end at once once the broker
// shuts down) and then close the server without waiting out the grace
// period: gRPC's own shutdown otherwise also waits for idle client
// connections to go away, which clients rarely do promptly.
//
// Counting is done by a server interceptor (see NewInterceptorFactory) whose
// per-call instance lives exactly as long as the call.
//
// Thread-safe.
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace eventlog::service {

class CallTracker {
 public:
  // For ServerBuilder::experimental().SetInterceptorCreators. This tracker
  // must outlive the server built with it.
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewInterceptorFactory();

  // Blocks until no call is in progress or `deadline` passes; true if idle.
  bool WaitForIdle(absl::Time deadline);

  int in_progress() const;

  void CallStarted();
  void CallEnded();

 private:
  mutable absl::Mutex mu_;
  int in_progress_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace eventlog::service
