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
#include "service/broker/partition_router.h"
#include "service/broker/topic_types.h"
#include "storage/store.h"

namespace eventlog::broker {

class TopicAdmin {
 public:
  // `store` and `router` (null: a single broker, which leads everything)
  // must outlive this object.
  TopicAdmin(storage::Store* store, const BrokerOptions& options,
             const PartitionRouter* router = nullptr)
      : store_(store), options_(options), router_(router) {}

  // The effective config for `requested` (defaults filled in), or
  // INVALID_ARGUMENT naming the bad field.
  absl::StatusOr<storage::LogConfig> ResolveConfig(const TopicConfigRequest& requested) const;

  // The topic `request` asks for, validated, with defaults filled in:
  // INVALID_ARGUMENT (name, config, partitions < 0), RESOURCE_EXHAUSTED
  // (partitions above the server's maximum).
  absl::StatusOr<ResolvedTopic> Resolve(const CreateTopicRequest& request) const;

  // The errors of Resolve, and ALREADY_EXISTS.
  absl::StatusOr<TopicInfo> Create(const CreateTopicRequest& request);
  absl::Status Delete(absl::string_view name);
  std::vector<TopicSummary> List() const;
  absl::StatusOr<TopicInfo> Describe(absl::string_view name) const;

 private:
  TopicInfo DescribeTopic(const storage::Topic& topic) const;

  storage::Store* const store_;
  const BrokerOptions options_;
  const PartitionRouter* const router_;
};

}  // namespace eventlog::broker
