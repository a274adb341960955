#include "storage/topic_name.h"

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace eventlog::storage {
namespace {

bool Allowed(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

}  // namespace

absl::Status ValidateTopicName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("topic name must not be empty");
  if (name.size() > kMaxTopicNameLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "topic name is ", name.size(), " characters long; the limit is ", kMaxTopicNameLength));
  }
  if (name == "." || name == "..") {
    return absl::InvalidArgumentError(absl::StrCat("topic name \"", name, "\" is not allowed"));
  }
  for (size_t i = 0; i < name.size(); ++i) {
    if (!Allowed(name[i])) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "topic name \"%s\" has a disallowed character (byte 0x%02x at position %d); "
          "use only letters A-Z a-z, digits, '.', '_' and '-'",
          absl::CHexEscape(name), static_cast<unsigned char>(name[i]), i));
    }
  }
  return absl::OkStatus();
}

}  // namespace eventlog::storage
