#include "tests/service/cluster/etcd_cluster.h"

#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "etcd/etcdserver/etcdserverpb/rpc.grpc.pb.h"

namespace eventlog::testing {
namespace {

// Free loopback ports, held open together so they are distinct; another
// process could still take one before etcd binds it (unlikely, and the
// start then fails loudly).
std::vector<int> FreePorts(int count) {
  std::vector<int> sockets, ports;
  for (int i = 0; i < count; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      std::abort();
    }
    sockets.push_back(fd);
    ports.push_back(ntohs(address.sin_port));
  }
  for (int fd : sockets) close(fd);
  return ports;
}

std::string Url(const std::string& host, int port) {
  return absl::StrCat("http://", host, ":", port);
}

// A channel to one member, reconnecting quickly after a restart.
std::shared_ptr<grpc::Channel> MemberChannel(const std::string& host, int client_port) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 200);
  // A fresh connection each time, not one shared with earlier channels.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(absl::StrCat(host, ":", client_port),
                                   grpc::InsecureChannelCredentials(), args);
}

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
}

}  // namespace

absl::StatusOr<std::unique_ptr<EtcdCluster>> EtcdCluster::Start(int members) {
  return Start(members, "127.0.0.1", "");
}

absl::StatusOr<std::unique_ptr<EtcdCluster>> EtcdCluster::Start(int members,
                                                                const std::string& host,
                                                                const std::string& netns) {
  std::unique_ptr<EtcdCluster> cluster(new EtcdCluster());
  cluster->host_ = host;
  cluster->netns_ = netns;
  const char* from_env = std::getenv("ETCD");
  cluster->etcd_path_ = from_env != nullptr ? from_env : "/usr/bin/etcd";
  if (access(cluster->etcd_path_.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("no etcd at ", cluster->etcd_path_,
                     ": install etcd-server (scripts/install-deps.sh test) or set $ETCD"));
  }
  const std::vector<int> ports = FreePorts(2 * members);
  std::vector<std::string> peers;
  for (int i = 0; i < members; ++i) {
    Member member;
    member.name = absl::StrCat("member", i);
    member.client_port = ports[2 * i];
    member.peer_port = ports[2 * i + 1];
    peers.push_back(absl::StrCat(member.name, "=", Url(host, member.peer_port)));
    cluster->members_.push_back(std::move(member));
  }
  cluster->initial_cluster_ = absl::StrJoin(peers, ",");
  for (Member& member : cluster->members_) cluster->Launch(member);
  absl::Status healthy = cluster->WaitHealthy();
  if (!healthy.ok()) return healthy;
  return cluster;
}

EtcdCluster::~EtcdCluster() {
  // SIGKILL (ChildProcess's destructor): a lone raft leader can take
  // seconds to stop on SIGTERM, and nothing here needs a clean stop.
  members_.clear();
}

void EtcdCluster::Launch(Member& member) {
  const std::string base = absl::StrCat(dir_.path(), "/", member.name);
  std::vector<std::string> args;
  // nsenter joins the namespace and execs etcd in place (same pid).
  if (!netns_.empty()) args = {"/usr/bin/nsenter", "--net=" + netns_, "--"};
  std::vector<std::string> etcd = {
      etcd_path_,
      "--name=" + member.name,
      "--data-dir=" + base + ".data",
      "--listen-client-urls=" + Url(host_, member.client_port),
      "--advertise-client-urls=" + Url(host_, member.client_port),
      "--listen-peer-urls=" + Url(host_, member.peer_port),
      "--initial-advertise-peer-urls=" + Url(host_, member.peer_port),
      "--initial-cluster=" + initial_cluster_,
      "--initial-cluster-state=new",
      "--initial-cluster-token=" + dir_.path(),
      // To a file: nobody reads the process's pipes, which would fill up.
      "--logger=zap",
      "--log-outputs=" + base + ".log",
  };
  args.insert(args.end(), etcd.begin(), etcd.end());
  member.process = std::make_unique<ChildProcess>(args);
}

std::string EtcdCluster::endpoints() const {
  std::vector<std::string> all;
  for (int i = 0; i < size(); ++i) all.push_back(endpoint(i));
  return absl::StrJoin(all, ",");
}

std::string EtcdCluster::endpoint(int member) const {
  return absl::StrCat(host_, ":", members_[member].client_port);
}

void EtcdCluster::Kill(int member) {
  ChildProcess* process = members_[member].process.get();
  if (process == nullptr) return;
  process->Signal(SIGKILL);
  process->Wait();
  members_[member].process.reset();
}

absl::Status EtcdCluster::Restart(int member) {
  if (members_[member].process != nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("member ", member, " is running"));
  }
  Launch(members_[member]);
  return WaitHealthy();
}

absl::Status EtcdCluster::WaitHealthy(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  absl::Status last;
  while (absl::Now() < deadline) {
    absl::StatusOr<int> leader = AgreedLeader();
    last = leader.ok() ? ServesReads() : leader.status();
    if (last.ok()) return last;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(absl::StrCat("etcd not healthy in time: ", last.message()));
}

absl::StatusOr<int> EtcdCluster::LeaderIndex() { return AgreedLeader(); }

absl::StatusOr<int> EtcdCluster::AgreedLeader() {
  std::map<uint64_t, int> index_of_id;
  std::vector<uint64_t> leaders;
  for (int i = 0; i < size(); ++i) {
    if (members_[i].process == nullptr) continue;
    auto stub = etcdserverpb::Maintenance::NewStub(MemberChannel(host_, members_[i].client_port));
    grpc::ClientContext context;
    SetDeadline(&context);
    etcdserverpb::StatusResponse status;
    grpc::Status rpc = stub->Status(&context, etcdserverpb::StatusRequest(), &status);
    if (!rpc.ok()) {
      return absl::UnavailableError(
          absl::StrCat(members_[i].name, " does not answer: ", rpc.error_message()));
    }
    index_of_id[status.header().member_id()] = i;
    leaders.push_back(status.leader());
  }
  for (uint64_t leader : leaders) {
    if (leader == 0 || leader != leaders.front() || !index_of_id.contains(leader)) {
      return absl::UnavailableError("the running members do not agree on a running leader");
    }
  }
  if (leaders.empty()) return absl::FailedPreconditionError("no member is running");
  return index_of_id[leaders.front()];
}

absl::Status EtcdCluster::ServesReads() {
  for (const Member& member : members_) {
    if (member.process == nullptr) continue;
    auto stub = etcdserverpb::KV::NewStub(MemberChannel(host_, member.client_port));
    grpc::ClientContext context;
    SetDeadline(&context);
    etcdserverpb::RangeRequest request;
    request.set_key("health");
    etcdserverpb::RangeResponse response;
    grpc::Status rpc = stub->Range(&context, request, &response);
    if (!rpc.ok()) {
      return absl::UnavailableError(
          absl::StrCat(member.name, " does not serve reads: ", rpc.error_message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace eventlog::testing
