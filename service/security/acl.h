// Acl: which principals may do which operations on which topics and groups,
// parsed from an ACL file (--acl). Allow rules only; anything no rule allows
// is refused. One rule per line:
//
//   # comment
//   PRINCIPAL OPERATIONS RESOURCE
//
//   PRINCIPAL   a principal name, or `*` for every caller (also anonymous)
//   OPERATIONS  read, write, admin or all; several joined with commas
//   RESOURCE    topic:PATTERN or group:PATTERN, where PATTERN is a name with
//               `*` matching any run of characters (orders, orders.*, *)
//
// Immutable once built; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "service/security/access_types.h"

namespace eventlog::security {

class Acl {
 public:
  // INVALID_ARGUMENT naming `source`, the line and the bad field. An empty
  // ACL is valid (it refuses everything).
  static absl::StatusOr<Acl> Parse(absl::string_view text, absl::string_view source);
  // Reads and parses the file at `path`.
  static absl::StatusOr<Acl> Load(const std::string& path);

  // Whether some rule lets `principal` do `operation` on the resource.
  bool Allows(absl::string_view principal, Operation operation, ResourceType type,
              absl::string_view name) const;
  // Whether some rule lets `principal` do `operation` on some resource of
  // `type` (whether or not one exists now): Kafka's check of an operation
  // "on any topic".
  bool AllowsSome(absl::string_view principal, Operation operation, ResourceType type) const;

  size_t size() const { return rules_.size(); }

 private:
  struct Rule {
    std::string principal;    // "*" = everyone
    unsigned operations = 0;  // bit (1 << Operation)
    ResourceType type = ResourceType::kTopic;
    std::string pattern;
  };

  Acl() = default;

  std::vector<Rule> rules_;
};

}  // namespace eventlog::security
