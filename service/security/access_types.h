// The vocabulary of authorization: what a caller wants to do (Operation) to
// what kind of thing (ResourceType), and the principal name used for callers
// when authentication is off. Plain values; thread-safe.
#pragma once

#include "absl/strings/string_view.h"

namespace eventlog::security {

// Operations are independent: `write` does not imply `read`, and `admin`
// (create and delete topics) implies neither. ACL files grant `all` for
// every operation.
enum class Operation { kRead, kWrite, kAdmin };

enum class ResourceType { kTopic, kGroup };

// The principal of every caller when authentication is off.
inline constexpr absl::string_view kAnonymousPrincipal = "anonymous";

inline absl::string_view OperationName(Operation operation) {
  switch (operation) {
    case Operation::kRead:
      return "read";
    case Operation::kWrite:
      return "write";
    case Operation::kAdmin:
      return "admin";
  }
  return "?";
}

inline absl::string_view ResourceTypeName(ResourceType type) {
  return type == ResourceType::kTopic ? "topic" : "group";
}

}  // namespace eventlog::security
