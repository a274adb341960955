// Readiness: whether this eventlogd should get traffic, for /readyz (a
// Kubernetes readiness probe): its store is open and has not latched a
// storage failure (after a failed fsync nothing more is acknowledged), the
// broker is not shutting down, and every added check passes (a clustered
// broker adds "registered in etcd").
//
// Thread-safe. Checks are added before serving.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "service/broker/broker.h"

namespace eventlog::ops {

class Readiness {
 public:
  using Check = std::function<absl::Status()>;

  // `broker` must outlive this object.
  explicit Readiness(const broker::Broker* broker) : broker_(broker) {}

  // `check` returns OK when ready; its error says why not.
  void AddCheck(std::string name, Check check);

  // OK, or UNAVAILABLE naming the first reason not to be ready.
  absl::Status Ready() const;

 private:
  const broker::Broker* const broker_;
  mutable absl::Mutex mu_;
  std::vector<std::pair<std::string, Check>> checks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::ops
