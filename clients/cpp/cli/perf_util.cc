#include "clients/cpp/cli/perf_util.h"

#include <time.h>
#include <unistd.h>

#include <fstream>

#include "absl/strings/str_cat.h"

namespace eventlog::cli {

absl::StatusOr<int32_t> EnsurePerfTopic(client::Client& client, absl::string_view topic,
                                        int32_t partitions) {
  absl::StatusOr<v1::TopicDescription> description = client.DescribeTopic(topic);
  if (absl::IsNotFound(description.status())) {
    description = client.CreateTopic(topic, partitions);
    if (absl::IsAlreadyExists(description.status())) description = client.DescribeTopic(topic);
  }
  if (!description.ok()) return description.status();
  return description->partitions_size();
}

std::string PerfPayload(size_t size, uint64_t seed) {
  std::string payload(size, ' ');
  uint64_t x = seed * 0x9E3779B97F4A7C15ULL + 1;
  for (char& c : payload) {
    // xorshift: cheap bytes that do not compress to nothing.
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>('!' + x % 94);
  }
  return payload;
}

absl::StatusOr<v1::Acks> ParsePerfAcks(absl::string_view text) {
  if (text == "all") return v1::ACKS_ALL;
  if (text == "leader") return v1::ACKS_LEADER;
  return absl::InvalidArgumentError(absl::StrCat("--acks must be all or leader, got '", text, "'"));
}

absl::StatusOr<bool> ParseOnOff(absl::string_view name, absl::string_view text) {
  if (text == "on" || text == "true" || text == "1") return true;
  if (text == "off" || text == "false" || text == "0") return false;
  return absl::InvalidArgumentError(
      absl::StrCat("--", name, " must be on or off, got '", text, "'"));
}

int64_t MonotonicNanos() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000LL + ts.tv_nsec;
}

absl::Status DropPageCache() {
  ::sync();
  std::ofstream drop("/proc/sys/vm/drop_caches");
  if (drop) drop << "1\n";
  drop.close();
  if (!drop) {
    return absl::PermissionDeniedError(
        "cannot write /proc/sys/vm/drop_caches (--cold needs root on the broker's machine)");
  }
  return absl::OkStatus();
}

}  // namespace eventlog::cli
