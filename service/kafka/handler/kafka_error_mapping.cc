#include "service/kafka/handler/kafka_error_mapping.h"

#include "absl/strings/match.h"
#include "storage/util/error_reason.h"

namespace eventlog::kafka {

ErrorCode ToKafkaError(const absl::Status& status, CallKind kind) {
  if (status.ok()) return ErrorCode::kNone;
  if (std::optional<util::ErrorReason> reason = util::ReasonOf(status)) {
    switch (*reason) {
      case util::ErrorReason::kCorruptRecord:
        return ErrorCode::kCorruptMessage;
      case util::ErrorReason::kInvalidTimestamp:
        return ErrorCode::kInvalidTimestamp;
      case util::ErrorReason::kRecordTooLarge:
        return ErrorCode::kMessageTooLarge;
      case util::ErrorReason::kOutOfOrderSequence:
        return ErrorCode::kOutOfOrderSequenceNumber;
      case util::ErrorReason::kInvalidProducerEpoch:
        return ErrorCode::kInvalidProducerEpoch;
      case util::ErrorReason::kUnknownMember:
        return ErrorCode::kUnknownMemberId;
      case util::ErrorReason::kIllegalGeneration:
        return ErrorCode::kIllegalGeneration;
      case util::ErrorReason::kRebalanceInProgress:
        return ErrorCode::kRebalanceInProgress;
      case util::ErrorReason::kInconsistentGroupProtocol:
        return ErrorCode::kInconsistentGroupProtocol;
      case util::ErrorReason::kInvalidSessionTimeout:
        return ErrorCode::kInvalidSessionTimeout;
      case util::ErrorReason::kNotEnoughReplicas:
        return ErrorCode::kNotEnoughReplicas;
      case util::ErrorReason::kNotEnoughReplicasAfterAppend:
        return ErrorCode::kNotEnoughReplicasAfterAppend;
    }
  }
  const bool group = kind == CallKind::kGroup || kind == CallKind::kCommit;
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return ErrorCode::kUnknownTopicOrPartition;
    case absl::StatusCode::kOutOfRange:
      return ErrorCode::kOffsetOutOfRange;
    case absl::StatusCode::kAlreadyExists:
      return ErrorCode::kTopicAlreadyExists;
    case absl::StatusCode::kInvalidArgument:
      if (kind == CallKind::kGroup) return ErrorCode::kInvalidGroupId;
      if (kind == CallKind::kProduce) return ErrorCode::kCorruptMessage;
      if (kind == CallKind::kAdmin) {
        if (absl::StrContains(status.message(), "partition")) return ErrorCode::kInvalidPartitions;
        if (absl::StrContains(status.message(), "name")) return ErrorCode::kInvalidTopicException;
        return ErrorCode::kInvalidConfig;
      }
      return ErrorCode::kInvalidRequest;
    case absl::StatusCode::kResourceExhausted:
      if (kind == CallKind::kProduce) return ErrorCode::kMessageTooLarge;
      if (kind == CallKind::kCommit) return ErrorCode::kOffsetMetadataTooLarge;
      if (kind == CallKind::kAdmin) return ErrorCode::kInvalidPartitions;
      return ErrorCode::kThrottlingQuotaExceeded;
    case absl::StatusCode::kFailedPrecondition:
      return group ? ErrorCode::kIllegalGeneration : ErrorCode::kInvalidRequest;
    case absl::StatusCode::kUnavailable:
      if (!group) return ErrorCode::kNotLeaderOrFollower;
      // A coordinator still reading its offsets partition: clients retry
      // this one where they give up on COORDINATOR_NOT_AVAILABLE (librdkafka
      // fails the assignment's offset fetch).
      if (absl::StrContains(status.message(), "is loading its offsets")) {
        return ErrorCode::kCoordinatorLoadInProgress;
      }
      return ErrorCode::kCoordinatorNotAvailable;
    case absl::StatusCode::kDataLoss:
      return ErrorCode::kKafkaStorageError;
    case absl::StatusCode::kPermissionDenied:
      return group && absl::StrContains(status.message(), "group")
                 ? ErrorCode::kGroupAuthorizationFailed
                 : ErrorCode::kTopicAuthorizationFailed;
    case absl::StatusCode::kUnauthenticated:
      return ErrorCode::kSaslAuthenticationFailed;
    case absl::StatusCode::kDeadlineExceeded:
      return ErrorCode::kRequestTimedOut;
    default:
      return ErrorCode::kUnknownServerError;
  }
}

}  // namespace eventlog::kafka
