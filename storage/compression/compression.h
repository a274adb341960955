// Compression codecs of Kafka's record batches (RecordBatch v2 attributes,
// bits 0-2) with the framings Kafka clients write: gzip (RFC 1952), snappy
// (the Java client's xerial framing; plain raw snappy is also accepted on
// decompression, as brokers do), lz4 (the LZ4 frame format) and zstd (frames).
//
// Stateless free functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eventlog::compression {

// The values are Kafka's attribute values and must not change.
enum class Codec : int8_t {
  kNone = 0,
  kGzip = 1,
  kSnappy = 2,
  kLz4 = 3,
  kZstd = 4,
};

// The codec of a RecordBatch v2 attributes field (its low three bits), or
// nullopt for the values Kafka leaves undefined (5-7).
std::optional<Codec> CodecFromAttributes(int16_t attributes);

// "none", "gzip", "snappy", "lz4", "zstd".
absl::string_view CodecName(Codec codec);

// Compresses `input` in `codec`'s framing. INVALID_ARGUMENT for an unknown
// codec value; INTERNAL if the library fails.
absl::StatusOr<std::string> Compress(Codec codec, absl::string_view input);

// Decompresses `input`, producing at most `max_output_bytes`. Never
// allocates much more than that, whatever the input claims.
// Errors: RESOURCE_EXHAUSTED when the output would exceed
// `max_output_bytes` (a decompression bomb), INVALID_ARGUMENT for corrupt,
// truncated or trailing input or an unknown codec value.
absl::StatusOr<std::string> Decompress(Codec codec, absl::string_view input,
                                       size_t max_output_bytes);

}  // namespace eventlog::compression
