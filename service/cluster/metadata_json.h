// The encoding of the values eventlog keeps in etcd: protobuf JSON of the
// messages in protos/eventlog/cluster/v1/metadata.proto (proto field names,
// default values printed, unknown fields ignored on read so that later
// releases may add some).
//
// Thread-safe (stateless functions).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace eventlog::cluster {

std::string ToJson(const google::protobuf::Message& message);

// INVALID_ARGUMENT (naming `what`) if `json` does not parse as `message`'s type.
absl::Status FromJson(absl::string_view json, absl::string_view what,
                      google::protobuf::Message* message);

}  // namespace eventlog::cluster
