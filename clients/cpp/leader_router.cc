#include "clients/cpp/leader_router.h"

#include <utility>

#include "grpcpp/client_context.h"

namespace eventlog::client {

std::unique_ptr<LeaderRouter> LeaderRouter::Create(Client& client, absl::string_view topic,
                                                   Options options) {
  auto router = std::make_unique<LeaderRouter>(PrivateTag(), client, std::string(topic), options);
  router->Refresh();
  router->thread_ = std::thread(&LeaderRouter::RefreshLoop, router.get());
  return router;
}

LeaderRouter::LeaderRouter(PrivateTag, Client& client, std::string topic, Options options)
    : client_(client), topic_(std::move(topic)), options_(options) {}

LeaderRouter::~LeaderRouter() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

std::string LeaderRouter::Lookup(int32_t partition) const {
  absl::MutexLock lock(&mu_);
  if (partition < 0 || static_cast<size_t>(partition) >= leaders_.size()) return "";
  const std::string& address = leaders_[partition];
  if (address.empty()) return "";
  auto down = down_.find(address);
  if (down != down_.end() && down->second > absl::Now()) return "";
  return address;
}

std::shared_ptr<grpc::Channel> LeaderRouter::Channel(const std::string& address) {
  absl::MutexLock lock(&mu_);
  std::shared_ptr<grpc::Channel>& channel = channels_[address];
  if (channel == nullptr) channel = client_.NewChannel(address);
  return channel;
}

void LeaderRouter::Invalidate(const std::string& failed_address) {
  absl::MutexLock lock(&mu_);
  stale_ = true;
  if (!failed_address.empty()) down_[failed_address] = absl::Now() + options_.down;
}

int64_t LeaderRouter::refreshes() const {
  absl::MutexLock lock(&mu_);
  return refreshes_;
}

void LeaderRouter::Refresh() {
  v1::GetMetadataRequest request;
  request.add_topics(topic_);
  v1::GetMetadataResponse response;
  grpc::ClientContext context;
  client_.PrepareContext(context);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  const grpc::Status status = client_.stub().GetMetadata(&context, request, &response);
  absl::MutexLock lock(&mu_);
  if (!status.ok()) {
    // A broker older than GetMetadata: never route. Other errors keep the
    // routes there are.
    if (status.error_code() == grpc::StatusCode::UNIMPLEMENTED) {
      enabled_ = false;
      leaders_.clear();
    }
    return;
  }
  std::vector<std::string> leaders;
  // One broker leads everything, and the address it advertises may not be
  // the one this client reaches it at: keep to the latter.
  if (response.brokers_size() > 1) {
    absl::flat_hash_map<int32_t, std::string> addresses;
    for (const v1::BrokerInfo& broker : response.brokers()) addresses[broker.id()] = broker.address();
    for (const v1::TopicMetadata& topic : response.topics()) {
      if (topic.name() != topic_) continue;
      for (const v1::PartitionMetadata& p : topic.partitions()) {
        if (p.partition() < 0) continue;
        if (static_cast<size_t>(p.partition()) >= leaders.size()) leaders.resize(p.partition() + 1);
        auto address = addresses.find(p.leader());
        if (address != addresses.end()) leaders[p.partition()] = address->second;
      }
    }
  }
  leaders_ = std::move(leaders);
  read_at_ = absl::Now();
  stale_ = false;
  ++refreshes_;
}

void LeaderRouter::RefreshLoop() {
  absl::Time tried = absl::Now();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto due = [this, &tried]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        if (stopping_) return true;
        if (!enabled_) return false;
        const absl::Time now = absl::Now();
        if (now - tried < options_.backoff) return false;
        return stale_ || now - read_at_ > options_.max_age;
      };
      // Wakes up at least every backoff to re-check (Invalidate does not
      // signal: a refresh a little later is as good).
      while (!due()) {
        mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.backoff);
      }
      if (stopping_) return;
    }
    tried = absl::Now();
    Refresh();
  }
}

}  // namespace eventlog::client
