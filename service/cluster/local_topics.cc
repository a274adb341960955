#include "service/cluster/local_topics.h"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "service/server/proto_convert.h"

namespace eventlog::cluster {
namespace {

void Report(absl::string_view what, absl::string_view topic, const absl::Status& status) {
  std::cerr << "eventlogd: cluster: cannot " << what << " topic \"" << topic
            << "\" locally: " << status.message() << std::endl;
}

}  // namespace

void LocalTopics::Apply(const ClusterState& state) {
  for (const std::shared_ptr<storage::Topic>& local : store_->ListTopics()) {
    if (local->deleted()) continue;
    const TopicEntry* wanted = state.FindTopic(local->name());
    if (wanted != nullptr && wanted->id == local->id() &&
        wanted->partitions == local->partition_count()) {
      continue;
    }
    absl::Status deleted = store_->DeleteTopic(local->name());
    if (!deleted.ok() && !absl::IsNotFound(deleted)) Report("delete", local->name(), deleted);
  }
  for (const auto& [name, topic] : state.topics()) {
    absl::StatusOr<std::shared_ptr<storage::Topic>> local = store_->GetTopic(name);
    if (local.ok()) continue;
    absl::StatusOr<storage::LogConfig> config = service::EffectiveConfigFromProto(topic.config);
    if (!config.ok()) {
      Report("create", name, config.status());
      continue;
    }
    absl::StatusOr<std::shared_ptr<storage::Topic>> created =
        store_->CreateTopic(name, topic.partitions, *config, topic.id);
    if (!created.ok()) Report("create", name, created.status());
  }
}

}  // namespace eventlog::cluster
