#include "storage/util/error_reason.h"

#include <string>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"

namespace eventlog::util {

absl::Status WithReason(absl::Status status, ErrorReason reason) {
  if (status.ok()) return status;
  status.SetPayload(kErrorReasonPayload, absl::Cord(std::to_string(static_cast<int>(reason))));
  return status;
}

std::optional<ErrorReason> ReasonOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kErrorReasonPayload);
  if (!payload.has_value()) return std::nullopt;
  int value = 0;
  if (!absl::SimpleAtoi(std::string(*payload), &value) || value < 0 ||
      value > static_cast<int>(ErrorReason::kLast)) {
    return std::nullopt;
  }
  return static_cast<ErrorReason>(value);
}

}  // namespace eventlog::util
