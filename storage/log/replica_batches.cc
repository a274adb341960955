#include "storage/log/replica_batches.h"

#include "absl/strings/str_cat.h"
#include "storage/util/status_macros.h"

namespace eventlog::storage {

absl::StatusOr<std::vector<format::BatchHeader>> ParseReplicaBatches(absl::string_view batches) {
  if (batches.empty()) return absl::InvalidArgumentError("a replica append needs a batch");
  std::vector<format::BatchHeader> headers;
  size_t position = 0;
  while (position < batches.size()) {
    const absl::string_view rest = batches.substr(position);
    const std::string where = absl::StrCat("replicated batch at byte ", position);
    if (rest.size() < format::kHeaderPrefixSize ||
        static_cast<uint8_t>(rest[format::kMagicPos]) != format::kMagicV2 ||
        rest.size() < format::kV2HeaderSize) {
      return absl::DataLossError(
          absl::StrCat(where, " is cut short or not a record batch of magic 2"));
    }
    const format::BatchHeader header = format::DecodeBatchHeader(rest.data());
    RETURN_IF_ERROR(format::CheckBatchHeader(header));
    if (header.batch_length > rest.size()) {
      return absl::DataLossError(absl::StrCat(where, " is cut short: ", header.batch_length,
                                              " bytes announced, ", rest.size(), " left"));
    }
    RETURN_IF_ERROR(format::VerifyBatch(rest.substr(0, header.batch_length), where));
    if (!headers.empty()) {
      const format::BatchHeader& before = headers.back();
      if (header.base_offset < before.next_offset()) {
        return absl::FailedPreconditionError(absl::StrCat(
            where, " starts at offset ", header.base_offset,
            ", inside the batch before it (which ends at ", before.next_offset(), ")"));
      }
      if (header.leader_epoch < before.leader_epoch) {
        return absl::FailedPreconditionError(
            absl::StrCat(where, " has leader epoch ", header.leader_epoch,
                         ", below the batch before it (", before.leader_epoch, ")"));
      }
    }
    headers.push_back(header);
    position += header.batch_length;
  }
  return headers;
}

}  // namespace eventlog::storage
