// GlobMatch: the name patterns of ACL files. `*` matches any run of
// characters (also none); every other character matches itself. So
// "orders" is an exact name, "orders.*" a prefix and "*" everything.
// Thread-safe (a pure function).
#pragma once

#include "absl/strings/string_view.h"

namespace eventlog::security {

bool GlobMatch(absl::string_view pattern, absl::string_view name);

}  // namespace eventlog::security
