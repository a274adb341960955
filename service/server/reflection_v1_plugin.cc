#include "service/server/reflection_v1_plugin.h"

#include <grpcpp/impl/server_initializer.h>
#include <grpcpp/server_builder.h>

namespace eventlog::service {

void ReflectionV1Plugin::InitServer(grpc::ServerInitializer* initializer) {
  initializer->RegisterService(service_);
}

void ReflectionV1Plugin::Finish(grpc::ServerInitializer* initializer) {
  service_->SetServiceList(initializer->GetServiceList());
}

void InitReflectionV1ServerBuilderPlugin() {
  static const bool registered = [] {
    grpc::ServerBuilder::InternalAddPluginFactory(
        []() -> std::unique_ptr<grpc::ServerBuilderPlugin> {
          return std::make_unique<ReflectionV1Plugin>();
        });
    return true;
  }();
  (void)registered;
}

}  // namespace eventlog::service
