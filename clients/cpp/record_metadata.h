// RecordMetadata: where an acknowledged record was stored. A plain value.
#pragma once

#include <cstdint>

namespace eventlog::client {

struct RecordMetadata {
  int32_t partition = -1;
  int64_t offset = -1;
};

}  // namespace eventlog::client
