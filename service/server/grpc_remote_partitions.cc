#include "service/server/grpc_remote_partitions.h"

#include <grpcpp/client_context.h>

#include <chrono>
#include <utility>

#include "service/server/forwarding.h"
#include "service/server/forwarding_produce_session.h"
#include "service/server/grpc_partition_feed.h"
#include "service/server/proto_convert.h"

namespace eventlog::service {
namespace {

// How long a forwarded produce may take (the client's own deadline is not
// known here; an ACKS_ALL append is fsynced within milliseconds).
constexpr std::chrono::seconds kProduceDeadline{30};

}  // namespace

GrpcRemotePartitions::GrpcRemotePartitions(BrokerChannels* channels,
                                           const broker::PartitionRouter* router)
    : channels_(channels), router_(router) {}

void GrpcRemotePartitions::SetSelfAddress(std::string address) {
  absl::MutexLock lock(&mu_);
  self_address_ = std::move(address);
}

void GrpcRemotePartitions::Produce(const broker::PartitionRoute& route,
                                   const broker::ProduceRequest& request,
                                   broker::ProduceCallback done) {
  forwarded_requests_.Add();
  forwarded_records_.Add(static_cast<int64_t>(request.records.size()));
  v1::ProduceRequest forwarded;
  ToProto(request, &forwarded);
  if (request.session != nullptr) {
    static_cast<ForwardingProduceSession*>(request.session)
        ->Send(route.address, std::move(forwarded), std::move(done));
    return;
  }
  struct Call {
    grpc::ClientContext context;
    v1::ProduceRequest request;
    v1::ProduceResponse response;
    broker::ProduceCallback done;
  };
  auto call = std::make_shared<Call>();
  call->request = std::move(forwarded);
  call->done = std::move(done);
  MarkForwarded(&call->context, channels_->self());
  call->context.set_deadline(std::chrono::system_clock::now() + kProduceDeadline);
  channels_->To(route.address)
      .stub->async()
      ->Produce(&call->context, &call->request, &call->response, [call](grpc::Status status) {
        absl::Status outcome = FromForwardedCall(status, call->context);
        if (!outcome.ok()) {
          call->done(outcome);
          return;
        }
        call->done(FromProto(call->response));
      });
}

std::unique_ptr<broker::ProduceSession> GrpcRemotePartitions::NewProduceSession() {
  return std::make_unique<ForwardingProduceSession>(channels_);
}

std::unique_ptr<broker::PartitionFeed> GrpcRemotePartitions::OpenFeed(
    const broker::FeedRequest& request, absl::AnyInvocable<void()> notify) {
  GrpcPartitionFeed::Environment environment{channels_, router_, &delayed_, ""};
  {
    absl::MutexLock lock(&mu_);
    environment.self_address = self_address_;
  }
  return std::make_unique<GrpcPartitionFeed>(environment, request, std::move(notify));
}

void GrpcRemotePartitions::WriteMetrics(metrics::MetricWriter& writer) const {
  using Type = metrics::MetricWriter::Type;
  writer.Single("eventlog_produce_forwarded_requests_total", Type::kCounter,
                "Produce requests this broker sent on to a partition's leader (one per leader "
                "and client request); 0 while clients send to leaders directly.",
                forwarded_requests_.value());
  writer.Single("eventlog_produce_forwarded_records_total", Type::kCounter,
                "Records of those requests (counted again by their leader as produced).",
                forwarded_records_.value());
}

}  // namespace eventlog::service
