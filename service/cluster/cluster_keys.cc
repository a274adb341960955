#include "service/cluster/cluster_keys.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace eventlog::cluster {

ClusterKeys::ClusterKeys(std::string prefix) : prefix_(std::move(prefix)) {}

std::string ClusterKeys::Broker(int32_t id) const { return absl::StrCat(BrokersPrefix(), id); }

std::string ClusterKeys::Topic(absl::string_view name) const {
  return absl::StrCat(TopicsPrefix(), name);
}

std::string ClusterKeys::PartitionsPrefix(absl::string_view topic) const {
  return absl::StrCat(prefix_, "/partitions/", topic, "/");
}

std::string ClusterKeys::Partition(absl::string_view topic, int32_t partition) const {
  return absl::StrCat(PartitionsPrefix(topic), partition);
}

ClusterKeys::Parsed ClusterKeys::Parse(absl::string_view key) const {
  Parsed parsed;
  if (!absl::ConsumePrefix(&key, prefix_) || !absl::ConsumePrefix(&key, "/")) return parsed;
  if (key == "cluster") {
    parsed.kind = Parsed::Kind::kCluster;
  } else if (key == "controller") {
    parsed.kind = Parsed::Kind::kController;
  } else if (absl::ConsumePrefix(&key, "brokers/")) {
    if (absl::SimpleAtoi(key, &parsed.broker)) parsed.kind = Parsed::Kind::kBroker;
  } else if (absl::ConsumePrefix(&key, "topics/")) {
    if (!key.empty()) {
      parsed.kind = Parsed::Kind::kTopic;
      parsed.topic = std::string(key);
    }
  } else if (absl::ConsumePrefix(&key, "partitions/")) {
    // Topic names have no '/', so the last one splits name and partition.
    const size_t slash = key.rfind('/');
    if (slash != absl::string_view::npos && slash > 0 &&
        absl::SimpleAtoi(key.substr(slash + 1), &parsed.partition) && parsed.partition >= 0) {
      parsed.kind = Parsed::Kind::kPartition;
      parsed.topic = std::string(key.substr(0, slash));
    }
  }
  return parsed;
}

}  // namespace eventlog::cluster
