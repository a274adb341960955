// Helpers shared by the `eventlog perf` subcommands: topic setup, payloads,
// acks parsing and the monotonic clock used for latencies. Stateless;
// thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clients/cpp/client.h"

namespace eventlog::cli {

// Returns the topic's partition count, creating it with `partitions` when it
// does not exist (a concurrent creator's topic is accepted too).
absl::StatusOr<int32_t> EnsurePerfTopic(client::Client& client, absl::string_view topic,
                                        int32_t partitions);

// `size` pseudo-random printable bytes; `seed` varies them between records.
std::string PerfPayload(size_t size, uint64_t seed);

// "all" / "leader" -> ACKS_ALL / ACKS_LEADER.
absl::StatusOr<v1::Acks> ParsePerfAcks(absl::string_view text);
// "on" / "off" (also true/false, 1/0).
absl::StatusOr<bool> ParseOnOff(absl::string_view name, absl::string_view text);

// Nanoseconds on the monotonic clock (comparable within one machine).
int64_t MonotonicNanos();

// Writes dirty pages back and drops this machine's page cache (all of it,
// the broker's too when it runs here), so that the next reads come from the
// disk: `perf consume --cold`. Needs root (/proc/sys/vm/drop_caches).
absl::Status DropPageCache();

}  // namespace eventlog::cli
