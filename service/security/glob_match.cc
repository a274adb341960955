#include "service/security/glob_match.h"

#include <cstddef>

namespace eventlog::security {

bool GlobMatch(absl::string_view pattern, absl::string_view name) {
  // Greedy matching with backtracking to the last `*` only: linear in
  // practice and never exponential, whatever the pattern.
  size_t p = 0, n = 0;
  size_t star = absl::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_n = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != absl::string_view::npos) {
      p = star + 1;
      n = ++star_n;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace eventlog::security
