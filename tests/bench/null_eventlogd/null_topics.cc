#include "tests/bench/null_eventlogd/null_topics.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace eventlog::bench {
namespace {

// Far above what the scale curves use; keeps a typo from allocating gigabytes.
constexpr int32_t kMaxPartitions = 100000;

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
  });
}

}  // namespace

absl::StatusOr<NullTopic*> NullTopics::Create(const v1::CreateTopicRequest& request) {
  if (!ValidName(request.name())) {
    return absl::InvalidArgumentError(
        absl::StrCat("topic name '", request.name(), "' is not [A-Za-z0-9._-]{1,249}"));
  }
  const int32_t partitions = request.partitions() == 0 ? 1 : request.partitions();
  if (partitions < 0 || partitions > kMaxPartitions) {
    return absl::InvalidArgumentError(
        absl::StrCat("partitions must be in [1, ", kMaxPartitions, "], got ", partitions));
  }
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = topics_.try_emplace(request.name());
  if (!inserted) {
    return absl::AlreadyExistsError(absl::StrCat("topic '", request.name(), "' already exists"));
  }
  it->second = std::make_unique<NullTopic>(request.name(), partitions, request.config());
  return it->second.get();
}

absl::StatusOr<NullTopic*> NullTopics::Find(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = topics_.find(name);
  if (it == topics_.end()) {
    return absl::NotFoundError(absl::StrCat("topic '", name, "' does not exist"));
  }
  return it->second.get();
}

std::vector<NullTopic*> NullTopics::List() const {
  absl::MutexLock lock(&mu_);
  std::vector<NullTopic*> out;
  for (const auto& [name, topic] : topics_) out.push_back(topic.get());
  std::sort(out.begin(), out.end(),
            [](const NullTopic* a, const NullTopic* b) { return a->name() < b->name(); });
  return out;
}

}  // namespace eventlog::bench
