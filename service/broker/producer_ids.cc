#include "service/broker/producer_ids.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "storage/util/status_macros.h"

namespace eventlog::broker {

absl::StatusOr<ProducerIdAndEpoch> ProducerIds::Init(int64_t producer_id, int16_t producer_epoch) {
  if (producer_id >= 0) {
    if (producer_epoch < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "producer ", producer_id, " asks for a new epoch but gives epoch ", producer_epoch));
    }
    if (producer_epoch < std::numeric_limits<int16_t>::max()) {
      return ProducerIdAndEpoch{producer_id, static_cast<int16_t>(producer_epoch + 1)};
    }
  }
  absl::MutexLock lock(&mu_);
  if (next_ == end_) {
    ASSIGN_OR_RETURN(next_, store_->ReserveProducerIds(kBlock));
    end_ = next_ + kBlock;
  }
  const int64_t local = next_++;
  if (local >= (int64_t{1} << kLocalBits)) {
    return absl::ResourceExhaustedError("this broker has handed out every producer id it may");
  }
  return ProducerIdAndEpoch{(int64_t{broker_id_} << kLocalBits) | local, 0};
}

}  // namespace eventlog::broker
