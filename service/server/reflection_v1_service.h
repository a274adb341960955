// ReflectionV1Service: grpc.reflection.v1.ServerReflection, the stable name of
// gRPC server reflection, which Debian's gRPC 1.51 serves only as v1alpha.
// It answers from the same place as v1alpha (the process's generated
// descriptor pool) with the same wire format; tools that ask for v1 first
// (grpcurl, Postman) no longer fall back. ReflectionV1Plugin registers it.
//
// Thread-safe: each stream keeps its own state; the service list is set once
// (by the plugin, as the server starts) under a mutex.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/descriptor.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"

namespace eventlog::service {

class ReflectionV1Service final : public grpc::reflection::v1::ServerReflection::Service {
 public:
  ReflectionV1Service() = default;

  // The names list_services answers with. `services` (the server's own list)
  // must outlive this service.
  void SetServiceList(const std::vector<std::string>* services);

  grpc::Status ServerReflectionInfo(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<grpc::reflection::v1::ServerReflectionResponse,
                               grpc::reflection::v1::ServerReflectionRequest>* stream) override;

 private:
  // Fills `response` for `request`; `sent` holds the files this stream has
  // already sent (imports are sent once per stream).
  void Answer(const grpc::reflection::v1::ServerReflectionRequest& request,
              absl::flat_hash_set<std::string>& sent,
              grpc::reflection::v1::ServerReflectionResponse& response);
  void ListServices(grpc::reflection::v1::ServerReflectionResponse& response);

  const google::protobuf::DescriptorPool& pool_ =
      *google::protobuf::DescriptorPool::generated_pool();
  absl::Mutex mu_;
  const std::vector<std::string>* services_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace eventlog::service
