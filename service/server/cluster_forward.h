// Helpers for ClusterCalls: forwarding a unary call as it came (async), and
// asking another broker something on the way (blocking, for calls that run
// on ClusterCalls' executor).
//
// Thread-safe (stateless functions).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "service/server/broker_channels.h"
#include "service/server/forwarding.h"

namespace eventlog::service {

// How long a call to another broker may take.
inline constexpr std::chrono::seconds kInterBrokerDeadline{10};

// Forwards a unary call to the broker at `address`: `invoke(async_stub,
// client_context, request, response, done)` starts it; its status and
// `eventlog-leader` trailer become this call's. `then` (optional) runs with
// the finished client call before the server call finishes, and may delay
// that: it gets the function that finishes.
template <typename Request, typename Response, typename Invoke>
grpc::ServerUnaryReactor* ForwardUnary(
    grpc::CallbackServerContext* context, BrokerChannels* channels, const std::string& address,
    const Request* request, Response* response, Invoke invoke,
    absl::AnyInvocable<void(const grpc::ClientContext& client, grpc::Status status,
                            absl::AnyInvocable<void(grpc::Status)> finish)>
        then = nullptr) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto client = std::make_shared<grpc::ClientContext>();
  MarkForwarded(client.get(), channels->self());
  client->set_deadline(std::chrono::system_clock::now() + kInterBrokerDeadline);
  auto then_shared = std::make_shared<decltype(then)>(std::move(then));
  invoke(channels->To(address).stub->async(), client.get(), request, response,
         [context, reactor, client, then_shared](grpc::Status status) {
           if (std::optional<std::string> leader = TrailingValue(*client, kLeaderKey)) {
             context->AddTrailingMetadata(kLeaderKey, *leader);
           }
           absl::AnyInvocable<void(grpc::Status)> finish = [reactor](grpc::Status s) {
             reactor->Finish(s);
           };
           if (*then_shared) {
             (*then_shared)(*client, std::move(status), std::move(finish));
           } else {
             finish(std::move(status));
           }
         });
  return reactor;
}

// Calls another broker and waits: `call(stub, client_context, response)`
// returns the call's grpc::Status.
template <typename Response, typename Call>
absl::StatusOr<Response> AskBroker(BrokerChannels* channels, const std::string& address,
                                   Call call) {
  grpc::ClientContext context;
  MarkForwarded(&context, channels->self());
  context.set_deadline(std::chrono::system_clock::now() + kInterBrokerDeadline);
  Response response;
  grpc::Status status = call(*channels->To(address).stub, &context, &response);
  absl::Status outcome = FromForwardedCall(status, context);
  if (!outcome.ok()) return outcome;
  return response;
}

}  // namespace eventlog::service
