#include "storage/util/metrics/process_stats.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

#include "absl/time/clock.h"

namespace eventlog::metrics {
namespace {

double Seconds(const timeval& t) {
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

}  // namespace

ProcessStats::Sample ProcessStats::Read() const {
  Sample s;
  const int64_t page = sysconf(_SC_PAGESIZE);
  if (FILE* statm = std::fopen("/proc/self/statm", "r"); statm != nullptr) {
    long long size = 0, resident = 0;  // NOLINT(runtime/int): fscanf's types
    if (std::fscanf(statm, "%lld %lld", &size, &resident) == 2) {
      s.virtual_bytes = size * page;
      s.resident_bytes = resident * page;
    }
    std::fclose(statm);
  }
  if (DIR* fds = opendir("/proc/self/fd"); fds != nullptr) {
    int64_t entries = 0;
    while (const dirent* entry = readdir(fds)) {
      if (entry->d_name[0] != '.') ++entries;
    }
    closedir(fds);
    s.open_fds = entries - 1;  // not the directory's own descriptor
  }
  if (rlimit limit; getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    s.max_fds = static_cast<int64_t>(limit.rlim_cur);
  }
  if (rusage usage; getrusage(RUSAGE_SELF, &usage) == 0) {
    s.cpu_seconds = Seconds(usage.ru_utime) + Seconds(usage.ru_stime);
  }
  s.start_time_seconds = absl::ToDoubleSeconds(start_ - absl::UnixEpoch());
  s.uptime_seconds = absl::ToDoubleSeconds(absl::Now() - start_);
  return s;
}

}  // namespace eventlog::metrics
