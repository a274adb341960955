#include "service/server/broker_channels.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/channel_arguments.h>

#include <algorithm>
#include <climits>

namespace eventlog::service {

BrokerChannels::BrokerChannels(int32_t self, int64_t max_message_bytes)
    : self_(self), max_message_bytes_(max_message_bytes) {}

const BrokerChannels::Connection& BrokerChannels::To(const std::string& address) {
  absl::MutexLock lock(&mu_);
  auto it = connections_.find(address);
  if (it != connections_.end()) return *it->second;
  grpc::ChannelArguments args;
  const int max = static_cast<int>(std::min<int64_t>(INT_MAX, max_message_bytes_));
  args.SetMaxReceiveMessageSize(max);
  args.SetMaxSendMessageSize(max);
  // A broker that restarts is used again soon, and one that vanished
  // without closing its connections is noticed.
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  auto connection = std::make_unique<Connection>();
  connection->channel =
      grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
  connection->stub = eventlog::v1::EventLog::NewStub(connection->channel);
  connection->generic = std::make_unique<grpc::GenericStub>(connection->channel);
  const Connection& result = *connection;
  connections_.emplace(address, std::move(connection));
  return result;
}

}  // namespace eventlog::service
