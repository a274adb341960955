#include "service/cluster/cluster_node.h"

#include <algorithm>
#include <thread>
#include <variant>

#include "absl/container/flat_hash_set.h"
#include "absl/random/random.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "service/cluster/metadata_json.h"
#include "service/server/proto_convert.h"
#include "storage/util/logging/logger.h"
#include "storage/util/status_macros.h"

namespace eventlog::cluster {
namespace {

namespace cv1 = ::eventlog::cluster::v1;

int64_t NowMs() { return absl::ToUnixMillis(absl::Now()); }

// The effective config the topic record keeps: storage's and replication's.
eventlog::v1::TopicConfig TopicConfigProto(const broker::ResolvedTopic& topic) {
  eventlog::v1::TopicConfig config;
  service::ToProto(topic.config, &config);
  config.set_min_insync_replicas(topic.replica_config.min_insync_replicas);
  config.set_unclean_leader_election_enable(topic.replica_config.unclean_leader_election_enable);
  return config;
}

}  // namespace

ClusterNode::ClusterNode(const ClusterOptions& options)
    : options_(options), keys_(options.prefix) {}

absl::StatusOr<std::unique_ptr<ClusterNode>> ClusterNode::Start(const ClusterOptions& options,
                                                                storage::Store* store) {
  std::unique_ptr<ClusterNode> node(new ClusterNode(options));
  etcd::EtcdClientOptions client_options;
  client_options.endpoints = options.etcd_endpoints;
  client_options.call_timeout = options.etcd_call_timeout;
  ASSIGN_OR_RETURN(node->client_, etcd::EtcdClient::Create(client_options));
  RETURN_IF_ERROR(node->EnsureClusterRecord(store));
  node->local_topics_ = std::make_unique<LocalTopics>(store);
  node->offsets_ = std::make_unique<ClusterOffsetStore>(store, node.get(), kOffsetsTopic,
                                                        node->info_.offsets_topic_partitions());
  LocalTopics* local_topics = node->local_topics_.get();
  ClusterNode* self = node.get();
  ASSIGN_OR_RETURN(node->view_,
                   MetadataView::Start(node->client_.get(), node->keys_,
                                       [local_topics, self](const ClusterState& state) {
                                         local_topics->Apply(state);
                                         self->ApplyToReplicas(state);
                                       }));
  ClusterOffsetStore* offsets = node->offsets_.get();
  node->view_->AddListener([offsets](const ClusterState& state) { offsets->Refresh(state); });
  return node;
}

absl::Status ClusterNode::EnsureClusterRecord(storage::Store* store) {
  const std::string key = keys_.Cluster();
  absl::StatusOr<etcd::RangeResult> found = client_->Range(etcd::KeyRange::Key(key));
  if (!found.ok()) {
    // The first call to etcd: say where it went (a bare "Deadline Exceeded"
    // did not mention etcd).
    return absl::Status(found.status().code(),
                        absl::StrCat("cannot read the cluster record from etcd at ",
                                     options_.etcd_endpoints, " (is etcd running there?): ",
                                     found.status().message()));
  }
  etcd::RangeResult read = *std::move(found);
  if (read.kvs.empty()) {
    for (const std::shared_ptr<storage::Topic>& topic : store->ListTopics()) {
      if (topic->deleted()) continue;
      return absl::FailedPreconditionError(absl::StrCat(
          "the cluster at ", options_.etcd_endpoints, " (prefix ", options_.prefix,
          ") is new, but the data directory holds topics (\"", topic->name(),
          "\", ...) of a single broker or another cluster; start this broker on an empty "
          "data directory"));
    }
    absl::BitGen random;
    cv1::ClusterInfo info;
    info.set_cluster_id(absl::StrFormat("%016x", absl::Uniform<uint64_t>(random)));
    info.set_offsets_topic_partitions(std::max(1, options_.offsets_topic_partitions));
    info.set_created_ms(NowMs());
    etcd::TxnRequest txn;
    txn.compares.push_back(etcd::Compare::Missing(key));
    txn.then_ops.push_back(etcd::TxnOp::Put(key, ToJson(info)));
    ASSIGN_OR_RETURN(etcd::TxnResult created, client_->Txn(txn));
    if (created.succeeded) {
      logging::LogInfo("cluster", "created the cluster", {{"cluster_id", info.cluster_id()}});
    }
    ASSIGN_OR_RETURN(read, client_->Range(etcd::KeyRange::Key(key)));
    if (read.kvs.empty()) return absl::UnavailableError("the cluster record vanished; retry");
  }
  return FromJson(read.kvs[0].value, "the cluster record", &info_);
}

ClusterNode::~ClusterNode() { Leave(); }

std::string ClusterNode::RegistrationJson() const {
  cv1::BrokerRegistration registration;
  registration.set_id(options_.broker_id);
  registration.set_address(advertise_);
  registration.set_started_ms(NowMs());
  registration.set_kafka_address(kafka_advertise_);
  return ToJson(registration);
}

absl::StatusOr<std::optional<int64_t>> ClusterNode::Register(int64_t lease, int64_t* holder) {
  const std::string key = keys_.Broker(options_.broker_id);
  etcd::TxnRequest txn;
  txn.compares.push_back(etcd::Compare::Missing(key));
  txn.then_ops.push_back(etcd::TxnOp::Put(key, RegistrationJson(), lease));
  txn.else_ops.push_back(etcd::TxnOp::Get(etcd::KeyRange::Key(key)));
  ASSIGN_OR_RETURN(etcd::TxnResult result, client_->Txn(txn));
  if (result.succeeded) return result.revision;
  *holder = 0;
  if (!result.results.empty()) {
    if (const auto* read = std::get_if<etcd::RangeResult>(&result.results[0]);
        read != nullptr && !read->kvs.empty()) {
      *holder = read->kvs[0].lease;
    }
  }
  return std::nullopt;
}

void ClusterNode::RegisterAgain(int64_t lease) {
  const std::string key = keys_.Broker(options_.broker_id);
  bool reported = false;
  // Runs on the keeper's callback thread: it ends when the lease it binds
  // to is no longer the keeper's (lost again: on_granted follows) or on
  // Leave(), whose keeper Stop() waits for it.
  while (!left_.load() && keeper_->lease_id() == lease) {
    int64_t holder = 0;
    absl::StatusOr<std::optional<int64_t>> revision = Register(lease, &holder);
    if (!revision.ok()) {
      logging::LogWarning("cluster", "cannot register again",
                          {{"error", revision.status().message()}});
    } else if (revision->has_value()) {
      registered_revision_.store(**revision);
      registered_.store(true);
      logging::LogInfo("cluster", "registered again", {{"lease", lease}});
      return;
    } else if (!reported) {
      // Never overwritten: with two brokers of one id, the one registered
      // keeps it, and this one leads nothing.
      logging::LogError("cluster",
                        "this broker id is registered under another lease (this broker's "
                        "previous registration not yet expired, or another broker with the "
                        "same --broker_id): leading nothing until it goes",
                        {{"broker", options_.broker_id}, {"key", key}, {"holder_lease", holder}});
      reported = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

absl::Status ClusterNode::Join(const broker::Broker* broker, const std::string& advertise,
                               const std::string& kafka_advertise) {
  advertise_ = advertise;
  kafka_advertise_ = kafka_advertise;
  // The controller's view of the offsets topic: compacted, kept forever.
  broker::CreateTopicRequest offsets_request;
  offsets_request.name = kOffsetsTopic;
  offsets_request.partitions = info_.offsets_topic_partitions();
  offsets_request.config.cleanup_policy = broker::TopicConfigRequest::Cleanup::kCompact;
  offsets_request.config.retention_ms = -1;
  offsets_request.config.segment_bytes = 100LL << 20;
  ASSIGN_OR_RETURN(broker::ResolvedTopic offsets_topic, broker->ResolveNewTopic(offsets_request));

  etcd::LeaseKeeperOptions keeper_options;
  keeper_options.ttl_seconds = options_.lease_ttl_seconds;
  keeper_options.on_lost = [this](int64_t lease) {
    registered_.store(false);
    logging::LogWarning("cluster",
                        "lease lost (etcd out of reach): leading nothing until registered again",
                        {{"lease", lease}});
  };
  keeper_options.on_granted = [this](int64_t lease) { RegisterAgain(lease); };
  ASSIGN_OR_RETURN(keeper_, etcd::LeaseKeeper::Create(client_.get(), std::move(keeper_options)));
  ASSIGN_OR_RETURN(int64_t lease, keeper_->Start());

  // A registration of this id still alive: a previous run of this broker
  // whose lease has not expired yet (wait for it), or another broker.
  const std::string key = keys_.Broker(options_.broker_id);
  const absl::Time deadline = absl::Now() + absl::Seconds(options_.lease_ttl_seconds + 2);
  for (;;) {
    int64_t holder = 0;
    ASSIGN_OR_RETURN(std::optional<int64_t> revision, Register(lease, &holder));
    if (revision.has_value()) {
      registered_revision_.store(*revision);
      registered_.store(true);
      break;
    }
    if (absl::Now() > deadline) {
      (void)keeper_->Stop();
      return absl::AlreadyExistsError(absl::StrCat("broker id ", options_.broker_id,
                                                   " is registered by another live broker (", key,
                                                   "); give each broker its own --broker_id"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  logging::LogInfo("cluster", "registered",
                   {{"broker", options_.broker_id}, {"advertise", advertise_}});

  ControllerOptions controller_options;
  controller_options.broker_id = options_.broker_id;
  controller_options.lease_ttl_seconds = options_.lease_ttl_seconds;
  controller_options.offsets_topic.name = kOffsetsTopic;
  controller_options.offsets_topic.partitions = offsets_topic.partitions;
  controller_options.offsets_topic.replication_factor = options_.offsets_topic_replication_factor;
  controller_options.offsets_topic.internal = true;
  controller_options.offsets_topic.config = TopicConfigProto(offsets_topic);
  controller_ = std::make_unique<Controller>(client_.get(), keys_, view_.get(),
                                             std::move(controller_options));
  return controller_->Start();
}

void ClusterNode::Leave() {
  if (left_.exchange(true)) return;
  if (controller_ != nullptr) controller_->Stop();
  registered_.store(false);
  if (keeper_ != nullptr) (void)keeper_->Stop();  // revokes: the registration goes now
  if (view_ != nullptr) view_->Stop();
}

broker::PartitionRoute ClusterNode::Route(absl::string_view topic, int32_t partition) const {
  std::shared_ptr<const ClusterState> state = view_->current();
  const TopicEntry* entry = state->FindTopic(topic);
  if (entry == nullptr || partition < 0 || partition >= entry->partitions) {
    return broker::PartitionRoute::Local(options_.broker_id);  // the local lookup decides
  }
  const PartitionEntry* partition_state = state->FindPartition(topic, partition);
  if (partition_state == nullptr) {
    return broker::PartitionRoute::Unavailable("the partition is being created");
  }
  if (partition_state->leader < 0) {
    std::string replicas;
    for (int32_t r : partition_state->replicas) {
      absl::StrAppend(&replicas, replicas.empty() ? "" : ", ", r);
    }
    return broker::PartitionRoute::Unavailable(
        absl::StrCat("its replicas (broker ", replicas,
                     ") are down; it is available again when one of them returns"));
  }
  if (partition_state->leader == options_.broker_id) {
    if (!registered_.load() || state->revision() < registered_revision_.load()) {
      return broker::PartitionRoute::Unavailable(
          absl::StrCat("its leader, broker ", options_.broker_id,
                       " (this one), is out of touch with etcd and is joining again"));
    }
    return broker::PartitionRoute::Local(options_.broker_id, partition_state->leader_epoch);
  }
  const BrokerEntry* leader = state->FindBroker(partition_state->leader);
  if (leader == nullptr) {
    return broker::PartitionRoute::Unavailable(absl::StrCat(
        "its leader, broker ", partition_state->leader, ", is not registered (down?)"));
  }
  return broker::PartitionRoute::Remote(partition_state->leader, partition_state->leader_epoch,
                                        leader->address);
}

std::vector<BrokerEndpoint> ClusterNode::brokers() const {
  std::vector<BrokerEndpoint> result;
  for (const auto& [id, broker] : view_->current()->brokers()) {
    result.push_back(BrokerEndpoint{id, broker.address});
  }
  return result;
}

std::optional<BrokerEndpoint> ClusterNode::controller() const {
  std::shared_ptr<const ClusterState> state = view_->current();
  if (!state->controller().has_value()) return std::nullopt;
  const BrokerEntry* broker = state->FindBroker(*state->controller());
  if (broker == nullptr) return std::nullopt;
  return BrokerEndpoint{broker->id, broker->address};
}

absl::StatusOr<int64_t> ClusterNode::CreateTopic(const broker::ResolvedTopic& topic) {
  if (controller_ == nullptr) return absl::UnavailableError("this broker has not joined yet");
  NewTopic request;
  request.name = topic.name;
  request.partitions = topic.partitions;
  request.replication_factor = topic.replication_factor;
  request.config = TopicConfigProto(topic);
  return controller_->CreateTopic(request);
}

absl::StatusOr<int64_t> ClusterNode::DeleteTopic(absl::string_view name) {
  if (controller_ == nullptr) return absl::UnavailableError("this broker has not joined yet");
  return controller_->DeleteTopic(name);
}

absl::StatusOr<int64_t> ClusterNode::CreateOffsetsTopic() {
  if (controller_ == nullptr) return absl::UnavailableError("this broker has not joined yet");
  return controller_->CreateOffsetsTopic();
}

absl::Status ClusterNode::SyncTopic(absl::string_view topic, absl::Duration timeout) const {
  ASSIGN_OR_RETURN(etcd::RangeResult read, client_->Range(etcd::KeyRange::Key(keys_.Topic(topic))));
  if (read.kvs.empty()) return absl::OkStatus();
  return view_->WaitForRevision(read.kvs[0].mod_revision, timeout);
}

absl::StatusOr<std::vector<std::pair<std::string, int32_t>>> ClusterNode::ListTopics() const {
  ASSIGN_OR_RETURN(etcd::RangeResult read,
                   client_->Range(etcd::KeyRange::Prefix(keys_.TopicsPrefix())));
  std::vector<std::pair<std::string, int32_t>> topics;
  for (const etcd::KeyValue& kv : read.kvs) {
    ClusterKeys::Parsed parsed = keys_.Parse(kv.key);
    cv1::TopicRecord record;
    if (parsed.kind != ClusterKeys::Parsed::Kind::kTopic ||
        !FromJson(kv.value, "a topic record", &record).ok() || record.internal()) {
      continue;
    }
    topics.emplace_back(parsed.topic, record.partitions());
  }
  return topics;
}

void ClusterNode::SetReplicaHook(MetadataView::Hook hook) {
  absl::MutexLock lock(&hook_mu_);
  replica_hook_ = std::move(hook);
  replica_hook_(*view_->current());
}

void ClusterNode::ApplyToReplicas(const ClusterState& state) {
  absl::MutexLock lock(&hook_mu_);
  if (replica_hook_) replica_hook_(state);
}

absl::Status ClusterNode::AlterIsr(absl::string_view topic, int32_t partition,
                                   const PartitionEntry& seen, const std::vector<int32_t>& isr) {
  cv1::PartitionState state;
  for (int32_t r : seen.replicas) state.add_replicas(r);
  state.set_leader(seen.leader);
  state.set_leader_epoch(seen.leader_epoch);
  for (int32_t r : isr) state.add_isr(r);
  state.set_controller_epoch(seen.controller_epoch);
  const std::string key = keys_.Partition(topic, partition);
  etcd::TxnRequest txn;
  txn.compares.push_back(etcd::Compare::Unchanged(key, seen.mod_revision));
  txn.then_ops.push_back(etcd::TxnOp::Put(key, ToJson(state)));
  ASSIGN_OR_RETURN(etcd::TxnResult result, client_->Txn(txn));
  if (!result.succeeded) {
    return absl::AbortedError(absl::StrCat("partition ", partition, " of \"", topic,
                                           "\" changed meanwhile (a leader change?)"));
  }
  logging::LogInfo("replication", "ISR changed",
                   {{"topic", topic}, {"partition", partition}, {"isr_size", state.isr_size()}});
  return absl::OkStatus();
}

broker::PartitionRoute ClusterNode::CoordinatorRoute(absl::string_view group) const {
  return Route(kOffsetsTopic, offsets_->PartitionFor(group));
}

}  // namespace eventlog::cluster
