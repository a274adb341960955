#include "service/security/acl.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "service/security/glob_match.h"
#include "service/security/text_file.h"

namespace eventlog::security {
namespace {

unsigned Bit(Operation operation) { return 1u << static_cast<unsigned>(operation); }

absl::StatusOr<unsigned> ParseOperations(absl::string_view text) {
  unsigned bits = 0;
  for (absl::string_view word : absl::StrSplit(text, ',')) {
    if (word == "read") {
      bits |= Bit(Operation::kRead);
    } else if (word == "write") {
      bits |= Bit(Operation::kWrite);
    } else if (word == "admin") {
      bits |= Bit(Operation::kAdmin);
    } else if (word == "all") {
      bits |= Bit(Operation::kRead) | Bit(Operation::kWrite) | Bit(Operation::kAdmin);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown operation \"", word, "\" (want read, write, admin or all)"));
    }
  }
  return bits;
}

}  // namespace

absl::StatusOr<Acl> Acl::Parse(absl::string_view text, absl::string_view source) {
  Acl acl;
  for (const ConfigLine& line : SplitConfigLines(text)) {
    const std::string where = absl::StrCat(source, ":", line.number, ": ");
    if (line.fields.size() != 3) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, "want \"PRINCIPAL OPERATIONS RESOURCE\", found ", line.fields.size(), " fields"));
    }
    Rule rule;
    rule.principal = std::string(line.fields[0]);
    absl::StatusOr<unsigned> operations = ParseOperations(line.fields[1]);
    if (!operations.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where, operations.status().message()));
    }
    rule.operations = *operations;
    absl::string_view resource = line.fields[2];
    if (absl::ConsumePrefix(&resource, "topic:")) {
      rule.type = ResourceType::kTopic;
    } else if (absl::ConsumePrefix(&resource, "group:")) {
      rule.type = ResourceType::kGroup;
    } else {
      return absl::InvalidArgumentError(absl::StrCat(where, "resource \"", line.fields[2],
                                                     "\" must be topic:PATTERN or group:PATTERN"));
    }
    if (resource.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "empty pattern in \"", line.fields[2], "\" (use * for all)"));
    }
    rule.pattern = std::string(resource);
    acl.rules_.push_back(std::move(rule));
  }
  return acl;
}

absl::StatusOr<Acl> Acl::Load(const std::string& path) {
  absl::StatusOr<std::string> text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  return Parse(*text, path);
}

bool Acl::Allows(absl::string_view principal, Operation operation, ResourceType type,
                 absl::string_view name) const {
  for (const Rule& rule : rules_) {
    if ((rule.operations & Bit(operation)) == 0 || rule.type != type) continue;
    if (rule.principal != "*" && rule.principal != principal) continue;
    if (GlobMatch(rule.pattern, name)) return true;
  }
  return false;
}

bool Acl::AllowsSome(absl::string_view principal, Operation operation, ResourceType type) const {
  for (const Rule& rule : rules_) {
    if ((rule.operations & Bit(operation)) == 0 || rule.type != type) continue;
    if (rule.principal == "*" || rule.principal == principal) return true;
  }
  return false;
}

}  // namespace eventlog::security
