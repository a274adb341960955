#include "service/cluster/local_topics.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "service/server/proto_convert.h"
#include "storage/util/logging/logger.h"

namespace eventlog::cluster {
namespace {

void Report(absl::string_view what, absl::string_view topic, const absl::Status& status) {
  logging::LogError("cluster", absl::StrCat("cannot ", what, " the topic locally"),
                    {{"topic", topic}, {"error", status.message()}});
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
