// ConvertToMagicV2: a stored batch of the first release's format (magic 1)
// re-encoded as Kafka's RecordBatch v2 (magic 2), so that readers that hand
// out stored batches as they are (a Kafka Fetch) serve one format only. The
// copy keeps the base offset, every record's offset (gaps left by
// compaction included), timestamp, key, value and headers, the batch's
// offset span and leader epoch.
//
// Stateless; thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/format/record_batch_format.h"

namespace eventlog::storage::format {

// `batch` is a whole verified batch with header `header` (any magic; a
// magic 2 batch is copied as it is). DATA_LOSS if a record does not decode.
absl::StatusOr<std::string> ConvertToMagicV2(const BatchHeader& header, absl::string_view batch);

}  // namespace eventlog::storage::format
