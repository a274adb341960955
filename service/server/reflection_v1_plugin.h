// ReflectionV1Plugin: a ServerBuilder plugin that serves
// grpc.reflection.v1.ServerReflection (ReflectionV1Service) on every server
// built after InitReflectionV1ServerBuilderPlugin(), next to gRPC's own
// v1alpha plugin, and hands it the server's service list when the server
// starts. WithoutReflection removes both plugins from a builder.
//
// Thread-safe as ServerBuilder uses it (one builder, one thread).
#pragma once

#include <grpcpp/impl/server_builder_plugin.h>

#include <memory>
#include <string>

#include "service/server/reflection_v1_service.h"

namespace eventlog::service {

class ReflectionV1Plugin : public grpc::ServerBuilderPlugin {
 public:
  ReflectionV1Plugin() : service_(std::make_shared<ReflectionV1Service>()) {}

  std::string name() override { return "eventlog_reflection_v1"; }
  void InitServer(grpc::ServerInitializer* initializer) override;
  void Finish(grpc::ServerInitializer* initializer) override;
  void ChangeArguments(const std::string& /*name*/, void* /*value*/) override {}
  bool has_sync_methods() const override { return true; }

 private:
  std::shared_ptr<ReflectionV1Service> service_;
};

// Registers the plugin for every ServerBuilder of the process (as gRPC's
// InitProtoReflectionServerBuilderPlugin does for v1alpha). Idempotent.
void InitReflectionV1ServerBuilderPlugin();

}  // namespace eventlog::service
