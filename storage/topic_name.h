// Topic name rules of the public API: [A-Za-z0-9._-]{1,249}, not "." or "..".
// Names never become paths (folders use topic ids), but the rule keeps
// them portable. Stateless; thread-safe.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace eventlog::storage {

inline constexpr size_t kMaxTopicNameLength = 249;

// OK, or INVALID_ARGUMENT saying what is wrong with `name`.
absl::Status ValidateTopicName(absl::string_view name);

}  // namespace eventlog::storage
