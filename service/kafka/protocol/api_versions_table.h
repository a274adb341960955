// The table of supported APIs: for each API key the [min, max] versions this
// server decodes and encodes, and its first flexible version (KIP-482:
// compact strings and arrays, tagged fields, request header v2 and response
// header v1). ApiVersions advertises exactly this table; docs/KAFKA.md says
// why each range is what it is.
//
// Constant data; thread-safe.
#pragma once

#include <cstdint>

#include "absl/types/span.h"
#include "service/kafka/protocol/api_key.h"

namespace eventlog::kafka {

struct ApiSupport {
  ApiKey key;
  int16_t min_version;
  int16_t max_version;
  // Versions from this one on are flexible; kNeverFlexible when none of the
  // supported ones is.
  int16_t first_flexible_version;
};

inline constexpr int16_t kNeverFlexible = INT16_MAX;

// Ordered by API key.
absl::Span<const ApiSupport> SupportedApis();

// nullptr for an API key this server does not implement.
const ApiSupport* FindApi(int16_t api_key);

// Whether `version` of `key` is in the table's range.
bool IsSupported(int16_t api_key, int16_t version);

// Whether `version` of `key` is flexible (false for unknown keys).
bool IsFlexible(ApiKey key, int16_t version);

// The request header version (1 or 2) of a request, and the response header
// version (0 or 1) of its response. ApiVersions answers with response header
// v0 at every version, so that a client that sent a version the server does
// not know can still read the error and the supported ranges.
int16_t RequestHeaderVersion(ApiKey key, int16_t version);
int16_t ResponseHeaderVersion(ApiKey key, int16_t version);

}  // namespace eventlog::kafka
