#include "service/cluster/cluster_state.h"

#include "absl/strings/numbers.h"
#include "service/cluster/metadata_json.h"
#include "storage/util/logging/logger.h"

namespace eventlog::cluster {
namespace {

namespace cv1 = ::eventlog::cluster::v1;

void Report(const absl::Status& status, absl::string_view key) {
  logging::LogWarning("cluster", "ignoring an unreadable metadata key",
                      {{"key", key}, {"error", status.message()}});
}

}  // namespace

void ClusterState::Reset(const ClusterKeys& keys, const etcd::RangeResult& snapshot) {
  *this = ClusterState();
  revision_ = snapshot.revision;
  for (const etcd::KeyValue& kv : snapshot.kvs) Put(keys, kv);
}

void ClusterState::Apply(const ClusterKeys& keys, const std::vector<etcd::WatchEvent>& events) {
  for (const etcd::WatchEvent& event : events) {
    if (event.type == etcd::WatchEvent::Type::kPut) {
      Put(keys, event.kv);
    } else {
      Delete(keys, event.kv.key);
    }
    revision_ = std::max(revision_, event.kv.mod_revision);
  }
}

void ClusterState::Put(const ClusterKeys& keys, const etcd::KeyValue& kv) {
  const ClusterKeys::Parsed parsed = keys.Parse(kv.key);
  switch (parsed.kind) {
    case ClusterKeys::Parsed::Kind::kUnknown:
      return;
    case ClusterKeys::Parsed::Kind::kCluster: {
      cv1::ClusterInfo info;
      if (absl::Status s = FromJson(kv.value, "the cluster record", &info); !s.ok()) {
        Report(s, kv.key);
        return;
      }
      info_ = std::move(info);
      return;
    }
    case ClusterKeys::Parsed::Kind::kController: {
      int32_t id = 0;
      if (absl::SimpleAtoi(kv.value, &id)) controller_ = id;
      return;
    }
    case ClusterKeys::Parsed::Kind::kBroker: {
      cv1::BrokerRegistration registration;
      if (absl::Status s = FromJson(kv.value, "a broker registration", &registration); !s.ok()) {
        Report(s, kv.key);
        return;
      }
      brokers_[parsed.broker] = BrokerEntry{parsed.broker, registration.address(), kv.lease,
                                            registration.kafka_address()};
      return;
    }
    case ClusterKeys::Parsed::Kind::kTopic: {
      cv1::TopicRecord record;
      if (absl::Status s = FromJson(kv.value, "a topic record", &record); !s.ok()) {
        Report(s, kv.key);
        return;
      }
      TopicEntry& topic = topics_[parsed.topic];
      topic.name = parsed.topic;
      topic.id = static_cast<uint64_t>(kv.create_revision);
      topic.mod_revision = kv.mod_revision;
      topic.partitions = record.partitions();
      topic.config = record.config();
      topic.replication_factor = record.replication_factor();
      topic.internal = record.internal();
      return;
    }
    case ClusterKeys::Parsed::Kind::kPartition: {
      cv1::PartitionState state;
      if (absl::Status s = FromJson(kv.value, "a partition state", &state); !s.ok()) {
        Report(s, kv.key);
        return;
      }
      PartitionEntry entry;
      entry.replicas.assign(state.replicas().begin(), state.replicas().end());
      entry.leader = state.leader();
      entry.leader_epoch = state.leader_epoch();
      entry.isr.assign(state.isr().begin(), state.isr().end());
      entry.controller_epoch = state.controller_epoch();
      entry.mod_revision = kv.mod_revision;
      partitions_[parsed.topic][parsed.partition] = std::move(entry);
      return;
    }
  }
}

void ClusterState::Delete(const ClusterKeys& keys, const std::string& key) {
  const ClusterKeys::Parsed parsed = keys.Parse(key);
  switch (parsed.kind) {
    case ClusterKeys::Parsed::Kind::kUnknown:
      return;
    case ClusterKeys::Parsed::Kind::kCluster:
      info_.reset();
      return;
    case ClusterKeys::Parsed::Kind::kController:
      controller_.reset();
      return;
    case ClusterKeys::Parsed::Kind::kBroker:
      brokers_.erase(parsed.broker);
      return;
    case ClusterKeys::Parsed::Kind::kTopic:
      topics_.erase(parsed.topic);
      return;
    case ClusterKeys::Parsed::Kind::kPartition: {
      auto it = partitions_.find(parsed.topic);
      if (it == partitions_.end()) return;
      it->second.erase(parsed.partition);
      if (it->second.empty()) partitions_.erase(it);
      return;
    }
  }
}

const BrokerEntry* ClusterState::FindBroker(int32_t id) const {
  auto it = brokers_.find(id);
  return it == brokers_.end() ? nullptr : &it->second;
}

const TopicEntry* ClusterState::FindTopic(absl::string_view name) const {
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second;
}

const PartitionEntry* ClusterState::FindPartition(absl::string_view topic,
                                                  int32_t partition) const {
  const TopicEntry* entry = FindTopic(topic);
  if (entry == nullptr) return nullptr;
  auto it = partitions_.find(entry->name);
  if (it == partitions_.end()) return nullptr;
  auto p = it->second.find(partition);
  if (p == it->second.end()) return nullptr;
  return &p->second;
}

const std::map<int32_t, PartitionEntry>* ClusterState::PartitionsOf(absl::string_view topic) const {
  auto it = partitions_.find(topic);
  return it == partitions_.end() ? nullptr : &it->second;
}

int64_t ClusterState::UnderReplicatedLedBy(int32_t leader) const {
  int64_t count = 0;
  for (const auto& topic : partitions_) {
    for (const auto& partition : topic.second) {
      const PartitionEntry& entry = partition.second;
      if (entry.leader == leader && entry.isr.size() < entry.replicas.size()) ++count;
    }
  }
  return count;
}

}  // namespace eventlog::cluster
