#include "service/security/token_table.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "service/security/text_file.h"

namespace eventlog::security {

absl::StatusOr<TokenTable> TokenTable::Parse(absl::string_view text, absl::string_view source) {
  TokenTable table;
  for (const ConfigLine& line : SplitConfigLines(text)) {
    if (line.fields.size() != 2) {
      return absl::InvalidArgumentError(absl::StrCat(source, ":", line.number,
                                                     ": want \"TOKEN PRINCIPAL\", found ",
                                                     line.fields.size(), " fields"));
    }
    // The token itself is never echoed: error messages end up in logs.
    if (!table.principals_.emplace(line.fields[0], line.fields[1]).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ":", line.number, ": this token already appears on a line above"));
    }
  }
  if (table.principals_.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": no tokens"));
  }
  return table;
}

absl::StatusOr<TokenTable> TokenTable::Load(const std::string& path) {
  absl::StatusOr<std::string> text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return Parse(*text, path);
}

const std::string* TokenTable::Find(absl::string_view token) const {
  auto it = principals_.find(token);
  return it == principals_.end() ? nullptr : &it->second;
}

}  // namespace eventlog::security
