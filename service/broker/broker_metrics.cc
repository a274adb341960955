#include "service/broker/broker_metrics.h"

#include <algorithm>

namespace eventlog::broker {

std::shared_ptr<TopicCounters> BrokerMetrics::ForTopic(absl::string_view topic) {
  {
    absl::ReaderMutexLock lock(&mu_);
    auto it = topics_.find(topic);
    if (it != topics_.end()) return it->second;
  }
  absl::MutexLock lock(&mu_);
  std::shared_ptr<TopicCounters>& counters = topics_[topic];
  if (counters == nullptr) counters = std::make_shared<TopicCounters>();
  return counters;
}

std::shared_ptr<const TopicCounters> BrokerMetrics::Find(absl::string_view topic) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = topics_.find(topic);
  return it == topics_.end() ? nullptr : it->second;
}

void BrokerMetrics::ForgetTopic(absl::string_view topic) {
  absl::MutexLock lock(&mu_);
  topics_.erase(topic);
}

std::vector<std::pair<std::string, std::shared_ptr<const TopicCounters>>> BrokerMetrics::Topics()
    const {
  std::vector<std::pair<std::string, std::shared_ptr<const TopicCounters>>> topics;
  {
    absl::ReaderMutexLock lock(&mu_);
    topics.reserve(topics_.size());
    for (const auto& [name, counters] : topics_) topics.emplace_back(name, counters);
  }
  std::sort(topics.begin(), topics.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return topics;
}

}  // namespace eventlog::broker
