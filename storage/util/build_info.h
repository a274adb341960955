// The build's identity: the release version (one place: project(VERSION) in
// the top CMakeLists.txt) and the git revision the binary was built from
// ("<12 hex digits>", "-dirty" when tracked files differed from it, or
// "unknown" without git; -DEVENTLOG_GIT_REVISION=... overrides it, e.g. in a
// container build that has no .git). eventlogd and eventlog print both for
// --version; eventlogd logs them at startup, exports them as the build_info
// metric and shows them in the console's footer.
//
// Thread-safe: constants.
#pragma once

#include "absl/strings/string_view.h"

namespace eventlog::util {

// "0.1.0".
absl::string_view Version();
// "6f92cf8c139a", "6f92cf8c139a-dirty" or "unknown".
absl::string_view GitRevision();

}  // namespace eventlog::util
