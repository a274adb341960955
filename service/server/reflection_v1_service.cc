#include "service/server/reflection_v1_service.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.pb.h"

namespace eventlog::service {
namespace {

namespace reflection_v1 = ::grpc::reflection::v1;
using ::google::protobuf::Descriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::FileDescriptor;

// Adds `file` and, transitively, its imports not in `sent` yet (`file`
// itself always: it is what was asked for).
void AddFile(const FileDescriptor* file, bool requested, absl::flat_hash_set<std::string>& sent,
             reflection_v1::FileDescriptorResponse& out) {
  if (!sent.insert(file->name()).second && !requested) return;
  google::protobuf::FileDescriptorProto proto;
  file->CopyTo(&proto);
  out.add_file_descriptor_proto(proto.SerializeAsString());
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddFile(file->dependency(i), false, sent, out);
  }
}

void SetError(grpc::StatusCode code, std::string message,
              reflection_v1::ServerReflectionResponse& response) {
  response.mutable_error_response()->set_error_code(static_cast<int32_t>(code));
  response.mutable_error_response()->set_error_message(std::move(message));
}

}  // namespace

void ReflectionV1Service::SetServiceList(const std::vector<std::string>* services) {
  absl::MutexLock lock(&mu_);
  services_ = services;
}

grpc::Status ReflectionV1Service::ServerReflectionInfo(
    grpc::ServerContext* /*context*/,
    grpc::ServerReaderWriter<reflection_v1::ServerReflectionResponse,
                             reflection_v1::ServerReflectionRequest>* stream) {
  absl::flat_hash_set<std::string> sent;
  reflection_v1::ServerReflectionRequest request;
  while (stream->Read(&request)) {
    reflection_v1::ServerReflectionResponse response;
    response.set_valid_host(request.host());
    *response.mutable_original_request() = request;
    Answer(request, sent, response);
    if (!stream->Write(response)) break;
  }
  return grpc::Status::OK;
}

void ReflectionV1Service::Answer(const reflection_v1::ServerReflectionRequest& request,
                                 absl::flat_hash_set<std::string>& sent,
                                 reflection_v1::ServerReflectionResponse& response) {
  switch (request.message_request_case()) {
    case reflection_v1::ServerReflectionRequest::kListServices:
      ListServices(response);
      return;
    case reflection_v1::ServerReflectionRequest::kFileByFilename: {
      const FileDescriptor* file = pool_.FindFileByName(request.file_by_filename());
      if (file == nullptr) {
        SetError(grpc::StatusCode::NOT_FOUND,
                 absl::StrCat("no file named ", request.file_by_filename()), response);
        return;
      }
      AddFile(file, true, sent, *response.mutable_file_descriptor_response());
      return;
    }
    case reflection_v1::ServerReflectionRequest::kFileContainingSymbol: {
      const FileDescriptor* file = pool_.FindFileContainingSymbol(request.file_containing_symbol());
      if (file == nullptr) {
        SetError(grpc::StatusCode::NOT_FOUND,
                 absl::StrCat("no symbol named ", request.file_containing_symbol()), response);
        return;
      }
      AddFile(file, true, sent, *response.mutable_file_descriptor_response());
      return;
    }
    case reflection_v1::ServerReflectionRequest::kFileContainingExtension: {
      const reflection_v1::ExtensionRequest& wanted = request.file_containing_extension();
      const Descriptor* type = pool_.FindMessageTypeByName(wanted.containing_type());
      const FieldDescriptor* extension =
          type == nullptr ? nullptr : pool_.FindExtensionByNumber(type, wanted.extension_number());
      if (extension == nullptr) {
        SetError(grpc::StatusCode::NOT_FOUND,
                 absl::StrCat("no extension ", wanted.extension_number(), " of ",
                              wanted.containing_type()),
                 response);
        return;
      }
      AddFile(extension->file(), true, sent, *response.mutable_file_descriptor_response());
      return;
    }
    case reflection_v1::ServerReflectionRequest::kAllExtensionNumbersOfType: {
      const Descriptor* type = pool_.FindMessageTypeByName(request.all_extension_numbers_of_type());
      if (type == nullptr) {
        SetError(grpc::StatusCode::NOT_FOUND,
                 absl::StrCat("no message type named ", request.all_extension_numbers_of_type()),
                 response);
        return;
      }
      std::vector<const FieldDescriptor*> extensions;
      pool_.FindAllExtensions(type, &extensions);
      reflection_v1::ExtensionNumberResponse* out =
          response.mutable_all_extension_numbers_response();
      out->set_base_type_name(type->full_name());
      for (const FieldDescriptor* extension : extensions) {
        out->add_extension_number(extension->number());
      }
      return;
    }
    case reflection_v1::ServerReflectionRequest::MESSAGE_REQUEST_NOT_SET:
      break;
  }
  SetError(grpc::StatusCode::UNIMPLEMENTED, "the request names nothing to look up", response);
}

void ReflectionV1Service::ListServices(reflection_v1::ServerReflectionResponse& response) {
  reflection_v1::ListServiceResponse* out = response.mutable_list_services_response();
  absl::MutexLock lock(&mu_);
  if (services_ == nullptr) return;
  for (const std::string& name : *services_) out->add_service()->set_name(name);
}

}  // namespace eventlog::service
