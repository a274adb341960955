// RequestHeader: the header in front of every Kafka request (v1: api key,
// version, correlation id, client id; v2 adds tagged fields), and
// AppendResponseHeader for the response side (v0: correlation id; v1 adds
// tagged fields). Which version applies is the API table's business
// (RequestHeaderVersion / ResponseHeaderVersion).
//
// Plain value type; Decode and the encoders are stateless and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace eventlog::kafka {

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::optional<std::string> client_id;

  // Decodes the header at the front of `frame` (a request without its size
  // prefix) and sets `*body` to the rest. For an API key or version outside
  // the table only the fixed part (key, version, correlation id) is read, so
  // the caller can still answer; then `*body` is everything after it.
  // INVALID_ARGUMENT if the frame is too short or the header malformed.
  static absl::StatusOr<RequestHeader> Decode(absl::string_view frame, absl::string_view* body);

  // The header in the version the table gives for (api_key, api_version)
  // (for tests and test clients; the key and version must be supported).
  std::string Encode() const;
};

// Appends a response header of `header_version` (0 or 1).
void AppendResponseHeader(int32_t correlation_id, int16_t header_version, std::string* out);

}  // namespace eventlog::kafka
