// NullTopics: the reference server's topics, by name, in memory only.
// Topics are never removed (DeleteTopic is not served), so a NullTopic*
// stays valid for the registry's lifetime.
//
// Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "eventlog/v1/eventlog.pb.h"
#include "tests/bench/null_eventlogd/null_topic.h"

namespace eventlog::bench {

class NullTopics {
 public:
  // Errors: INVALID_ARGUMENT (name, partition count), ALREADY_EXISTS.
  absl::StatusOr<NullTopic*> Create(const v1::CreateTopicRequest& request);
  // Errors: NOT_FOUND.
  absl::StatusOr<NullTopic*> Find(const std::string& name) const;
  std::vector<NullTopic*> List() const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<NullTopic>> topics_ ABSL_GUARDED_BY(mu_);
};

}  // namespace eventlog::bench
