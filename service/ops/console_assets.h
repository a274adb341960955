// The web console's files (HTML, JavaScript, CSS, Chart.js from Debian's
// libjs-chart.js), embedded into eventlogd at build time
// (cmake/embed_files.cmake), so that the console needs no internet and no
// separate deploy.
//
// Thread-safe: constant data.
#pragma once

#include "absl/strings/string_view.h"

namespace eventlog::ops {

struct ConsoleAsset {
  absl::string_view path;  // the URL path, e.g. "/static/console.js"
  absl::string_view content_type;
  absl::string_view data;
};

// The asset served at `path`, or null.
const ConsoleAsset* FindConsoleAsset(absl::string_view path);

}  // namespace eventlog::ops
