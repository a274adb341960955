// The per-codec halves of compression.h, one .cc file each. Internal to
// eventlog_compression; the contracts (error codes, bounded output) are
// those of compression.h. Stateless; thread-safe.
#pragma once

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace eventlog::compression::internal {

// Output grows in steps of this size, so a bomb is stopped within one step
// of the limit and a short input never makes a large allocation.
inline constexpr size_t kOutputChunk = 64 * 1024;

inline absl::Status TooLarge(absl::string_view codec, size_t max_output_bytes) {
  return absl::ResourceExhaustedError(
      absl::StrCat(codec, " data decompresses to more than ", max_output_bytes, " bytes"));
}
inline absl::Status Corrupt(absl::string_view codec, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("corrupt ", codec, " data: ", why));
}

absl::StatusOr<std::string> GzipCompress(absl::string_view input);
absl::StatusOr<std::string> GzipDecompress(absl::string_view input, size_t max_output_bytes);

absl::StatusOr<std::string> SnappyCompress(absl::string_view input);
absl::StatusOr<std::string> SnappyDecompress(absl::string_view input, size_t max_output_bytes);

absl::StatusOr<std::string> Lz4Compress(absl::string_view input);
absl::StatusOr<std::string> Lz4Decompress(absl::string_view input, size_t max_output_bytes);

absl::StatusOr<std::string> ZstdCompress(absl::string_view input);
absl::StatusOr<std::string> ZstdDecompress(absl::string_view input, size_t max_output_bytes);

}  // namespace eventlog::compression::internal
