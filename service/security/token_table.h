// TokenTable: the bearer tokens eventlogd accepts and the principal each one
// stands for, parsed from a token file (--auth_tokens):
//
//   # comment
//   TOKEN PRINCIPAL
//
// one pair per line, separated by whitespace; neither may contain whitespace
// or `#`. A token may appear once; several tokens may share a principal.
//
// Immutable once built; thread-safe.
#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eventlog::security {

class TokenTable {
 public:
  // INVALID_ARGUMENT naming `source` and the line for a malformed line, a
  // duplicate token or an empty table.
  static absl::StatusOr<TokenTable> Parse(absl::string_view text, absl::string_view source);
  // Reads and parses the file at `path`.
  static absl::StatusOr<TokenTable> Load(const std::string& path);

  // The principal of `token`, or nullptr for an unknown token. The pointer
  // lives as long as this table.
  const std::string* Find(absl::string_view token) const;

  size_t size() const { return principals_.size(); }

 private:
  TokenTable() = default;

  absl::flat_hash_map<std::string, std::string> principals_;  // token -> principal
};

}  // namespace eventlog::security
