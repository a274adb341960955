// Small POSIX file helpers for the storage engine: errno to Status, directory
// fsync and listing, segment file names. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eventlog::storage::file_util {

// Suffix of segment files and of compaction's temporary files.
inline constexpr absl::string_view kSegmentSuffix = ".log";
inline constexpr absl::string_view kCleanedSuffix = ".log.cleaned";

// "00000000000000000042.log": the base offset zero-padded to 20 digits, so
// that names sort like offsets.
std::string SegmentFileName(int64_t base_offset);
// Parses a name made by SegmentFileName (exactly). False otherwise.
bool ParseSegmentFileName(absl::string_view name, int64_t* base_offset);

// Maps errno to a status: ENOSPC/EDQUOT -> RESOURCE_EXHAUSTED, ENOENT ->
// NOT_FOUND, anything else -> INTERNAL; the message names `context`.
absl::Status ErrnoStatus(int err, absl::string_view context);

// mkdir -p.
absl::Status CreateDirs(const std::string& path);
// rm -rf; OK if missing.
absl::Status RemoveAll(const std::string& path);
// fsyncs a directory so that entries created, renamed or removed in it
// survive a crash.
absl::Status SyncDir(const std::string& path);
// Names (not paths) of the entries of `path`, unsorted.
absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path);
bool Exists(const std::string& path);

}  // namespace eventlog::storage::file_util
