#include "tests/service/cluster/broker_cluster.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <deque>
#include <fstream>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "eventlog/v1/eventlog.grpc.pb.h"

namespace eventlog::testing {

absl::StatusOr<std::unique_ptr<BrokerCluster>> BrokerCluster::Start(
    const BrokerClusterOptions& options) {
  std::unique_ptr<BrokerCluster> cluster(new BrokerCluster());
  cluster->options_ = options;
  absl::StatusOr<std::unique_ptr<EtcdCluster>> etcd =
      options.etcd_host.empty()
          ? EtcdCluster::Start(options.etcd_members)
          : EtcdCluster::Start(options.etcd_members, options.etcd_host, options.etcd_netns);
  if (!etcd.ok()) return etcd.status();
  cluster->etcd_ = *std::move(etcd);
  cluster->brokers_.resize(options.brokers);
  for (int i = 0; i < options.brokers; ++i) {
    Broker& broker = cluster->brokers_[i];
    broker.data_dir = absl::StrCat(cluster->dir_.path(), "/broker-", BrokerId(i));
    broker.log = absl::StrCat(cluster->dir_.path(), "/broker-", BrokerId(i), ".log");
    if (absl::Status started = cluster->StartBroker(i); !started.ok()) return started;
  }
  if (absl::Status ready = cluster->WaitForMembership(); !ready.ok()) return ready;
  return cluster;
}

BrokerCluster::~BrokerCluster() {
  for (Broker& broker : brokers_) broker.process.reset();  // SIGKILL
}

std::string BrokerCluster::addresses() const {
  std::vector<std::string> list;
  for (const Broker& broker : brokers_) list.push_back(broker.address);
  return absl::StrJoin(list, ",");
}

std::string BrokerCluster::LogTails(int lines) const {
  std::string out;
  for (int i = 0; i < size(); ++i) {
    std::ifstream file(brokers_[i].log);
    std::deque<std::string> tail;
    for (std::string line; std::getline(file, line);) {
      tail.push_back(line);
      if (static_cast<int>(tail.size()) > lines) tail.pop_front();
    }
    absl::StrAppend(&out, "--- broker ", BrokerId(i), " (", brokers_[i].address, ")\n");
    for (const std::string& line : tail) absl::StrAppend(&out, line, "\n");
  }
  return out;
}

void BrokerCluster::KillBroker(int index) {
  Broker& broker = brokers_[index];
  if (broker.process == nullptr) return;
  broker.process->Kill();
  broker.process.reset();
}

absl::StatusOr<int> BrokerCluster::StopBroker(int index) {
  Broker& broker = brokers_[index];
  if (broker.process == nullptr) return absl::FailedPreconditionError("not running");
  absl::StatusOr<int> status = broker.process->Terminate(absl::Seconds(30));
  broker.process.reset();
  return status;
}

absl::Status BrokerCluster::StartBroker(int index) {
  Broker& broker = brokers_[index];
  if (broker.process != nullptr) return absl::FailedPreconditionError("already running");
  EventlogdProcess::Options process;
  const std::string host = static_cast<int>(options_.broker_hosts.size()) > index
                               ? options_.broker_hosts[index]
                               : "127.0.0.1";
  process.listen = broker.address.empty() ? absl::StrCat(host, ":0") : broker.address;
  if (static_cast<int>(options_.broker_netns.size()) > index) {
    process.netns = options_.broker_netns[index];
  }
  process.stderr_path = broker.log;
  const std::string etcd =
      broker.etcd_endpoints.empty() ? etcd_->endpoints() : broker.etcd_endpoints;
  process.flags = {absl::StrCat("--cluster_etcd=", etcd),
                   absl::StrCat("--broker_id=", BrokerId(index)),
                   absl::StrCat("--cluster_lease_ttl_seconds=", options_.lease_ttl_seconds),
                   "--group_session_timeout_ms=6000", "--shutdown_grace_ms=1000"};
  process.flags.insert(process.flags.end(), options_.flags.begin(), options_.flags.end());
  absl::StatusOr<std::unique_ptr<EventlogdProcess>> started =
      EventlogdProcess::Start(broker.data_dir, process);
  if (!started.ok()) {
    return absl::Status(started.status().code(),
                        absl::StrCat("broker ", BrokerId(index), ": ", started.status().message(),
                                     " (log: ", broker.log, ")"));
  }
  broker.process = *std::move(started);
  broker.address = broker.process->address();
  return absl::OkStatus();
}

absl::Status BrokerCluster::WaitForMembership(absl::Duration timeout) {
  std::set<int32_t> running;
  for (int i = 0; i < size(); ++i) {
    if (brokers_[i].process != nullptr) running.insert(BrokerId(i));
  }
  const absl::Time deadline = absl::Now() + timeout;
  std::string last;
  for (;;) {
    bool all = true;
    for (int i = 0; i < size() && all; ++i) {
      if (brokers_[i].process == nullptr) continue;
      auto stub = eventlog::v1::EventLog::NewStub(
          grpc::CreateChannel(brokers_[i].address, grpc::InsecureChannelCredentials()));
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
      eventlog::v1::GetMetadataResponse metadata;
      grpc::Status status =
          stub->GetMetadata(&context, eventlog::v1::GetMetadataRequest(), &metadata);
      std::set<int32_t> listed;
      for (const auto& broker : metadata.brokers()) listed.insert(broker.id());
      all = status.ok() && listed == running && running.count(metadata.controller()) > 0;
      if (!all) {
        last = absl::StrCat("broker ", BrokerId(i), ": ", status.error_message(), " lists ",
                            absl::StrJoin(listed, ","), " controller ", metadata.controller());
      }
    }
    if (all) return absl::OkStatus();
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("the brokers do not agree on the membership: ", last));
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
}

}  // namespace eventlog::testing
