#include "service/cluster/controller.h"

#include <algorithm>
#include <set>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "service/cluster/metadata_json.h"
#include "service/cluster/partition_placement.h"
#include "storage/util/logging/logger.h"
#include "storage/util/status_macros.h"

namespace eventlog::cluster {
namespace {

namespace cv1 = ::eventlog::cluster::v1;

// etcd refuses transactions of more than 128 operations (--max-txn-ops).
constexpr size_t kMaxOpsPerTxn = 100;

absl::Status NotControllerError() {
  return absl::UnavailableError(
      "this broker is not the cluster controller (an election is under way); retry");
}

}  // namespace

Controller::Controller(etcd::EtcdClient* client, const ClusterKeys& keys, MetadataView* view,
                       ControllerOptions options)
    : client_(client), keys_(keys), view_(view), options_(std::move(options)) {}

Controller::~Controller() { Stop(); }

absl::Status Controller::Start() {
  etcd::LeaderElectionOptions election;
  election.key = keys_.Controller();
  election.value = absl::StrCat(options_.broker_id);
  election.lease_ttl_seconds = options_.lease_ttl_seconds;
  election.on_elected = [this](const etcd::Leadership& leadership) {
    logging::LogInfo("cluster", "this broker is the controller",
                     {{"broker", options_.broker_id}, {"term", leadership.create_revision}});
    absl::MutexLock lock(&mu_);
    leadership_ = leadership;
    changed_.Signal();
  };
  election.on_lost = [this](const etcd::Leadership& leadership) {
    logging::LogWarning("cluster", "this broker is no longer the controller",
                        {{"broker", options_.broker_id}, {"term", leadership.create_revision}});
    absl::MutexLock lock(&mu_);
    leadership_.reset();
  };
  ASSIGN_OR_RETURN(election_, etcd::LeaderElection::Create(client_, std::move(election)));
  thread_ = std::thread([this] { Run(); });
  return election_->Campaign();
}

void Controller::Stop() {
  if (election_ != nullptr) (void)election_->Resign();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    changed_.Signal();
  }
  if (thread_.joinable()) thread_.join();
}

bool Controller::active() const { return leadership().has_value(); }

std::optional<etcd::Leadership> Controller::leadership() const {
  absl::MutexLock lock(&mu_);
  return leadership_;
}

void Controller::Run() {
  int64_t seen = -1;  // the view revision reconciled last
  int64_t term = 0;   // the term it was reconciled in
  for (;;) {
    std::optional<etcd::Leadership> leadership;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      if (!leadership_.has_value()) {
        // Not active: wait for an election.
        changed_.WaitWithTimeout(&mu_, absl::Seconds(1));
        continue;
      }
      leadership = leadership_;
    }
    if (leadership->create_revision != term) {
      term = leadership->create_revision;
      seen = -1;  // a new term starts with a full pass
    }
    // At once after a change, else every second.
    std::shared_ptr<const ClusterState> state = view_->WaitForChange(seen, absl::Seconds(1));
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    absl::MutexLock ops(&ops_mu_);
    // A lost race shows up in the view as a change, which brings the next
    // pass; a failure to reach etcd is retried within a second.
    (void)Reconcile(*leadership, *state);
    seen = state->revision();
  }
}

std::string Controller::PartitionJson(const PartitionEntry& entry, int64_t controller_epoch) const {
  cv1::PartitionState state;
  for (int32_t r : entry.replicas) state.add_replicas(r);
  state.set_leader(entry.leader);
  state.set_leader_epoch(entry.leader_epoch);
  for (int32_t r : entry.isr) state.add_isr(r);
  state.set_controller_epoch(controller_epoch);
  return ToJson(state);
}

bool Controller::Reconcile(const etcd::Leadership& leadership, const ClusterState& state) {
  std::set<int32_t> live;
  for (const auto& [id, broker] : state.brokers()) live.insert(id);
  std::map<int32_t, int64_t> load = ReplicaLoad(state);
  // Partition keys to write, with the compare each needs.
  std::vector<std::pair<etcd::Compare, etcd::TxnOp>> changes;
  for (const auto& [name, topic] : state.topics()) {
    for (int32_t p = 0; p < topic.partitions; ++p) {
      const std::string key = keys_.Partition(name, p);
      const PartitionEntry* current = state.FindPartition(name, p);
      if (current == nullptr) {
        // Left out by a creation that did not finish (the controller died
        // between its transactions): place it now.
        absl::StatusOr<std::vector<std::vector<int32_t>>> replicas =
            AssignReplicas(load, name, 1, std::max(1, topic.replication_factor));
        if (!replicas.ok()) continue;
        for (int32_t r : (*replicas)[0]) ++load[r];
        PartitionEntry entry = NewPartition((*replicas)[0]);
        changes.emplace_back(
            etcd::Compare::CreateRevision(keys_.Topic(name), etcd::Compare::Op::kEqual,
                                          static_cast<int64_t>(topic.id)),
            etcd::TxnOp::Put(key, PartitionJson(entry, leadership.create_revision)));
        continue;
      }
      std::optional<PartitionEntry> next =
          ElectLeader(*current, live, topic.config.unclean_leader_election_enable());
      if (!next.has_value()) continue;
      changes.emplace_back(etcd::Compare::Unchanged(key, current->mod_revision),
                           etcd::TxnOp::Put(key, PartitionJson(*next, leadership.create_revision)));
    }
  }
  bool all_applied = true;
  for (size_t begin = 0; begin < changes.size(); begin += kMaxOpsPerTxn) {
    const size_t end = std::min(changes.size(), begin + kMaxOpsPerTxn);
    etcd::TxnRequest txn;
    txn.compares.push_back(leadership.StillLeader());
    for (size_t i = begin; i < end; ++i) {
      txn.compares.push_back(changes[i].first);
      txn.then_ops.push_back(changes[i].second);
    }
    absl::StatusOr<etcd::TxnResult> result = client_->Txn(txn);
    if (!result.ok() || !result->succeeded) all_applied = false;
  }
  return all_applied;
}

absl::StatusOr<int64_t> Controller::CreateTopic(const NewTopic& topic) {
  if (topic.name == options_.offsets_topic.name) {
    return absl::InvalidArgumentError(absl::StrCat(
        "topic \"", topic.name, "\" is internal (committed offsets); pick another name"));
  }
  std::optional<etcd::Leadership> leadership = this->leadership();
  if (!leadership.has_value()) return NotControllerError();
  absl::MutexLock ops(&ops_mu_);
  return CreateTopicAs(*leadership, *view_->current(), topic);
}

absl::StatusOr<int64_t> Controller::CreateTopicAs(const etcd::Leadership& leadership,
                                                  const ClusterState& state,
                                                  const NewTopic& topic) {
  const std::string topic_key = keys_.Topic(topic.name);
  ASSIGN_OR_RETURN(
      std::vector<std::vector<int32_t>> replicas,
      AssignReplicas(ReplicaLoad(state), topic.name, topic.partitions, topic.replication_factor));
  cv1::TopicRecord record;
  record.set_partitions(topic.partitions);
  *record.mutable_config() = topic.config;
  record.set_replication_factor(topic.replication_factor);
  record.set_internal(topic.internal);

  int64_t revision = 0;
  int64_t topic_id = 0;
  for (int32_t begin = 0; begin < topic.partitions || begin == 0;
       begin += static_cast<int32_t>(kMaxOpsPerTxn)) {
    const int32_t end = std::min<int32_t>(topic.partitions, begin + kMaxOpsPerTxn);
    etcd::TxnRequest txn;
    txn.compares.push_back(leadership.StillLeader());
    if (begin == 0) {
      txn.compares.push_back(etcd::Compare::Missing(topic_key));
      txn.then_ops.push_back(etcd::TxnOp::Put(topic_key, ToJson(record)));
    } else {
      txn.compares.push_back(
          etcd::Compare::CreateRevision(topic_key, etcd::Compare::Op::kEqual, topic_id));
    }
    for (int32_t p = begin; p < end; ++p) {
      PartitionEntry entry = NewPartition(replicas[p]);
      txn.then_ops.push_back(etcd::TxnOp::Put(keys_.Partition(topic.name, p),
                                              PartitionJson(entry, leadership.create_revision)));
    }
    txn.else_ops.push_back(etcd::TxnOp::Get(etcd::KeyRange::Key(topic_key)));
    ASSIGN_OR_RETURN(etcd::TxnResult result, client_->Txn(txn));
    if (!result.succeeded) {
      const auto* found = std::get_if<etcd::RangeResult>(&result.results[0]);
      if (begin == 0 && found != nullptr && !found->kvs.empty()) {
        return absl::AlreadyExistsError(absl::StrCat("topic \"", topic.name, "\" already exists"));
      }
      return NotControllerError();
    }
    revision = result.revision;
    if (begin == 0) topic_id = result.revision;
    if (end >= topic.partitions) break;
  }
  return revision;
}

absl::StatusOr<int64_t> Controller::CreateOffsetsTopic() {
  std::optional<etcd::Leadership> leadership = this->leadership();
  if (!leadership.has_value()) return NotControllerError();
  absl::MutexLock ops(&ops_mu_);
  std::shared_ptr<const ClusterState> state = view_->current();
  if (!state->info().has_value()) return absl::UnavailableError("the cluster record is missing");
  NewTopic offsets = options_.offsets_topic;
  offsets.partitions = state->info()->offsets_topic_partitions();
  // As many copies as asked for, but no more than the brokers up now (a
  // cluster of one still gets its offsets topic); fixed from then on.
  const auto live = static_cast<int32_t>(state->brokers().size());
  offsets.replication_factor =
      std::clamp<int32_t>(offsets.replication_factor, 1, std::max<int32_t>(1, live));
  absl::StatusOr<int64_t> revision = CreateTopicAs(*leadership, *state, offsets);
  if (absl::IsAlreadyExists(revision.status())) return state->revision();
  return revision;
}

absl::StatusOr<int64_t> Controller::DeleteTopic(absl::string_view name) {
  if (name == options_.offsets_topic.name) {
    return absl::InvalidArgumentError(
        absl::StrCat("topic \"", name, "\" is internal (committed offsets) and cannot be deleted"));
  }
  std::optional<etcd::Leadership> leadership = this->leadership();
  if (!leadership.has_value()) return NotControllerError();
  absl::MutexLock ops(&ops_mu_);
  const std::string topic_key = keys_.Topic(name);
  ASSIGN_OR_RETURN(etcd::RangeResult read, client_->Range(etcd::KeyRange::Key(topic_key)));
  if (read.kvs.empty()) {
    return absl::NotFoundError(absl::StrCat("topic \"", name, "\" does not exist"));
  }
  etcd::TxnRequest txn;
  txn.compares.push_back(leadership->StillLeader());
  txn.compares.push_back(etcd::Compare::Unchanged(topic_key, read.kvs[0].mod_revision));
  txn.then_ops.push_back(etcd::TxnOp::Delete(etcd::KeyRange::Key(topic_key)));
  txn.then_ops.push_back(etcd::TxnOp::Delete(etcd::KeyRange::Prefix(keys_.PartitionsPrefix(name))));
  ASSIGN_OR_RETURN(etcd::TxnResult result, client_->Txn(txn));
  if (!result.succeeded) {
    // Changed meanwhile (deleted and created again) or no longer leading.
    return absl::AbortedError(
        absl::StrCat("topic \"", name, "\" changed while it was being deleted; retry"));
  }
  return result.revision;
}

}  // namespace eventlog::cluster
