// LogField: one key=value field of a structured log line (see Logger). The
// value is kept as text; numbers and booleans are marked so that the JSON
// format writes them unquoted.
//
// Thread-compatible (a value type that owns its text).
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace eventlog::logging {

class LogField {
 public:
  LogField(absl::string_view key, absl::string_view value)
      : key_(key), value_(value), quoted_(true) {}
  LogField(absl::string_view key, const std::string& value)
      : LogField(key, absl::string_view(value)) {}
  LogField(absl::string_view key, const char* value) : LogField(key, absl::string_view(value)) {}
  LogField(absl::string_view key, bool value)
      : key_(key), value_(value ? "true" : "false"), quoted_(false) {}
  template <typename T,
            std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  LogField(absl::string_view key, T value)
      : key_(key), value_(absl::StrCat(value)), quoted_(false) {}
  LogField(absl::string_view key, double value)
      : key_(key), value_(absl::StrCat(value)), quoted_(false) {}

  absl::string_view key() const { return key_; }
  const std::string& value() const { return value_; }
  // False for numbers and booleans.
  bool quoted() const { return quoted_; }

 private:
  std::string key_;
  std::string value_;
  bool quoted_;
};

}  // namespace eventlog::logging
