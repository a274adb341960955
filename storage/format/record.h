// Domain view of a record, independent of gRPC and protobuf.
//
// Views do not own their bytes: whoever hands out a RecordView says what keeps
// the bytes alive (see ReadResult in partition_log.h).
#pragma once

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"

namespace eventlog::storage {

struct HeaderView {
  absl::string_view key;
  absl::string_view value;
};

struct RecordView {
  int64_t offset = 0;
  int64_t timestamp_ms = 0;
  absl::string_view key;
  absl::string_view value;
  std::vector<HeaderView> headers;  // ordered; duplicates allowed
};

}  // namespace eventlog::storage
