// eventlogd's command-line flags (service/eventlogd_flags.cc) and what main
// does with them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/strings/string_view.h"
#include "service/server/server_options.h"
#include "storage/util/logging/logger.h"

ABSL_DECLARE_FLAG(std::string, log_level);
ABSL_DECLARE_FLAG(std::string, log_format);
ABSL_DECLARE_FLAG(int64_t, shutdown_grace_ms);
ABSL_DECLARE_FLAG(int64_t, malloc_trim_interval_ms);

namespace eventlog::service::eventlogd {

// The server's options as the flags set them.
ServerOptions OptionsFromFlags();
// A message for flags that do not fit together, or "".
std::string CheckFlags(const ServerOptions& options);
// Whether `name` is one of eventlogd's flags (the config file may set those).
bool IsOwnFlag(absl::string_view name);
// The first of `argv`'s arguments that names no flag ("--lisen=..."), or "".
// Checked before absl::ParseCommandLine, which exits 1 on it: eventlogd
// exits 2 on every usage error.
std::string UnknownFlagIn(int argc, char** argv);
// The effective value of every eventlogd flag, for the startup line.
std::vector<logging::LogField> EffectiveConfig();
// --help lists eventlogd's flags; --version prints the build.
void ConfigureHelp();

}  // namespace eventlog::service::eventlogd
