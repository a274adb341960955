// TopicAdmin: creates, deletes, lists and describes topics. Resolves the
// unset (0) fields of a requested config against StoreOptions::default_config
// and validates the result before the store sees it.
//
// Thread-safe (the store is).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/broker/broker_options.h"
#include "service/broker/topic_types.h"
#include "storage/store.h"

namespace eventlog::broker {

class TopicAdmin {
 public:
  // `store` must outlive this object.
  TopicAdmin(storage::Store* store, const BrokerOptions& options)
      : store_(store), options_(options) {}

  // The effective config for `requested` (defaults filled in), or
  // INVALID_ARGUMENT naming the bad field.
  absl::StatusOr<storage::LogConfig> ResolveConfig(const TopicConfigRequest& requested) const;

  // INVALID_ARGUMENT (name, config, partitions < 0), RESOURCE_EXHAUSTED
  // (partitions above the server's maximum), ALREADY_EXISTS.
  absl::StatusOr<TopicInfo> Create(const CreateTopicRequest& request);
  absl::Status Delete(absl::string_view name);
  std::vector<TopicSummary> List() const;
  absl::StatusOr<TopicInfo> Describe(absl::string_view name) const;

 private:
  storage::Store* const store_;
  const BrokerOptions options_;
};

}  // namespace eventlog::broker
