// WithoutReflection: a ServerBuilder option that drops the server reflection
// plugins (gRPC's v1alpha and our ReflectionV1Plugin) from one builder. They
// are registered for every server of the process; this takes them out again
// where the API schema should not be served (eventlogd --noreflection).
//
// Used once by ServerBuilder::BuildAndStart; not shared between threads.
#pragma once

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/impl/server_builder_option.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "service/server/reflection_v1_plugin.h"

namespace eventlog::service {

class WithoutReflection : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}

  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->erase(
        std::remove_if(plugins->begin(), plugins->end(),
                       [](const std::unique_ptr<grpc::ServerBuilderPlugin>& plugin) {
                         return dynamic_cast<grpc::reflection::ProtoServerReflectionPlugin*>(
                                    plugin.get()) != nullptr ||
                                dynamic_cast<ReflectionV1Plugin*>(plugin.get()) != nullptr;
                       }),
        plugins->end());
  }
};

}  // namespace eventlog::service
