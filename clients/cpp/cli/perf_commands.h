// The `eventlog perf` subcommands (produce, consume, latency): load
// generators and meters for eventlogd. Each takes the arguments after its
// own name and returns the process exit code (see cli_util.h). Not
// thread-safe (they print to stdout/stderr).
#pragma once

#include <string>
#include <vector>

namespace eventlog::cli {

// Dispatches "perf produce|consume|latency ...".
int RunPerf(const std::vector<std::string>& args);
int RunPerfProduce(const std::vector<std::string>& args);
int RunPerfConsume(const std::vector<std::string>& args);
int RunPerfLatency(const std::vector<std::string>& args);

}  // namespace eventlog::cli
