// The eventlog CLI's subcommands. Each takes the arguments after its own
// name(s) and returns the process exit code (see cli_util.h). Not
// thread-safe (they print to stdout/stderr).
#pragma once

#include <string>
#include <vector>

namespace eventlog::cli {

int RunTopic(const std::vector<std::string>& args);
int RunProduce(const std::vector<std::string>& args);
int RunConsume(const std::vector<std::string>& args);
int RunOffsets(const std::vector<std::string>& args);
int RunGroup(const std::vector<std::string>& args);
int RunHealth(const std::vector<std::string>& args);

}  // namespace eventlog::cli
