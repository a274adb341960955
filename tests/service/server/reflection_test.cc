// Server reflection on a real server: grpc.reflection.v1 (what grpcurl and
// Postman ask for first) answers like v1alpha; --noreflection turns both off.
#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/reflection/v1/reflection.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/service/server/service_fixture.h"

namespace eventlog::service::testing {
namespace {

namespace reflection = ::grpc::reflection::v1;
using ::testing::Contains;
using ::testing::IsSupersetOf;

class ReflectionTest : public ServiceFixture {
 protected:
  // Sends `requests` on one v1 stream; returns the responses and the status.
  grpc::Status Ask(const std::vector<reflection::ServerReflectionRequest>& requests,
                   std::vector<reflection::ServerReflectionResponse>* responses) {
    auto stub = reflection::ServerReflection::NewStub(channel_);
    grpc::ClientContext context;
    context.set_deadline(SafetyDeadline());
    auto stream = stub->ServerReflectionInfo(&context);
    for (const auto& request : requests) stream->Write(request);
    stream->WritesDone();
    reflection::ServerReflectionResponse response;
    while (stream->Read(&response)) responses->push_back(response);
    return stream->Finish();
  }

  static std::vector<std::string> FileNames(const reflection::ServerReflectionResponse& response) {
    std::vector<std::string> names;
    for (const std::string& bytes : response.file_descriptor_response().file_descriptor_proto()) {
      google::protobuf::FileDescriptorProto file;
      EXPECT_TRUE(file.ParseFromString(bytes));
      names.push_back(file.name());
    }
    return names;
  }
};

TEST_F(ReflectionTest, V1ListsTheServicesAndDescribesTheApi) {
  reflection::ServerReflectionRequest list;
  list.set_list_services("");
  reflection::ServerReflectionRequest symbol;
  symbol.set_file_containing_symbol("eventlog.v1.EventLog.Produce");
  reflection::ServerReflectionRequest again = symbol;
  reflection::ServerReflectionRequest missing;
  missing.set_file_containing_symbol("eventlog.v1.NoSuchThing");
  std::vector<reflection::ServerReflectionResponse> responses;
  ASSERT_TRUE(Ask({list, symbol, again, missing}, &responses).ok());
  ASSERT_EQ(responses.size(), 4u);

  std::vector<std::string> services;
  for (const auto& s : responses[0].list_services_response().service())
    services.push_back(s.name());
  EXPECT_THAT(services, IsSupersetOf({"eventlog.v1.EventLog", "grpc.health.v1.Health",
                                      "grpc.reflection.v1alpha.ServerReflection",
                                      "grpc.reflection.v1.ServerReflection"}));

  EXPECT_THAT(FileNames(responses[1]), Contains("eventlog/v1/eventlog.proto"));
  google::protobuf::FileDescriptorProto api;
  ASSERT_TRUE(
      api.ParseFromString(responses[1].file_descriptor_response().file_descriptor_proto(0)));
  EXPECT_EQ(api.package(), "eventlog.v1");
  ASSERT_GE(api.service_size(), 1);
  EXPECT_EQ(api.service(0).name(), "EventLog");
  // Asked again on the same stream: the file itself again, its imports not.
  EXPECT_EQ(FileNames(responses[2]), std::vector<std::string>{"eventlog/v1/eventlog.proto"});

  EXPECT_EQ(responses[3].error_response().error_code(),
            static_cast<int32_t>(grpc::StatusCode::NOT_FOUND));
  EXPECT_EQ(responses[3].original_request().file_containing_symbol(), "eventlog.v1.NoSuchThing");
}

TEST_F(ReflectionTest, NoReflectionTurnsOffV1Too) {
  StopServer();
  options().reflection = false;
  StartServer();
  reflection::ServerReflectionRequest list;
  list.set_list_services("");
  std::vector<reflection::ServerReflectionResponse> responses;
  EXPECT_EQ(Ask({list}, &responses).error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

}  // namespace
}  // namespace eventlog::service::testing
