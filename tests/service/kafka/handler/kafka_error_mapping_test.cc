// ToKafkaError as a table: every util::ErrorReason, then every status code
// the broker core returns (docs/protocol.md) for each kind of call, with the
// Kafka error code a client receives. A row changed here is a change of the
// wire contract in docs/KAFKA.md ("Errors").
#include "service/kafka/handler/kafka_error_mapping.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "storage/util/error_reason.h"

namespace eventlog::kafka {
namespace {

using util::ErrorReason;

struct ReasonRow {
  ErrorReason reason;
  absl::StatusCode code;  // the code the core sends the reason with
  ErrorCode expected;
};

TEST(KafkaErrorMappingTest, EveryErrorReasonHasItsOwnKafkaCodeWhateverTheCall) {
  const std::vector<ReasonRow> rows = {
      {ErrorReason::kCorruptRecord, absl::StatusCode::kInvalidArgument, ErrorCode::kCorruptMessage},
      {ErrorReason::kInvalidTimestamp, absl::StatusCode::kInvalidArgument,
       ErrorCode::kInvalidTimestamp},
      {ErrorReason::kRecordTooLarge, absl::StatusCode::kResourceExhausted,
       ErrorCode::kMessageTooLarge},
      {ErrorReason::kOutOfOrderSequence, absl::StatusCode::kFailedPrecondition,
       ErrorCode::kOutOfOrderSequenceNumber},
      {ErrorReason::kInvalidProducerEpoch, absl::StatusCode::kFailedPrecondition,
       ErrorCode::kInvalidProducerEpoch},
      {ErrorReason::kUnknownMember, absl::StatusCode::kNotFound, ErrorCode::kUnknownMemberId},
      {ErrorReason::kIllegalGeneration, absl::StatusCode::kFailedPrecondition,
       ErrorCode::kIllegalGeneration},
      {ErrorReason::kRebalanceInProgress, absl::StatusCode::kFailedPrecondition,
       ErrorCode::kRebalanceInProgress},
      {ErrorReason::kInconsistentGroupProtocol, absl::StatusCode::kFailedPrecondition,
       ErrorCode::kInconsistentGroupProtocol},
      {ErrorReason::kInvalidSessionTimeout, absl::StatusCode::kInvalidArgument,
       ErrorCode::kInvalidSessionTimeout},
      {ErrorReason::kNotEnoughReplicas, absl::StatusCode::kFailedPrecondition,
       ErrorCode::kNotEnoughReplicas},
      {ErrorReason::kNotEnoughReplicasAfterAppend, absl::StatusCode::kFailedPrecondition,
       ErrorCode::kNotEnoughReplicasAfterAppend},
  };
  // One row per reason: a reason added to the enum without a row fails here.
  ASSERT_EQ(rows.size(), static_cast<size_t>(ErrorReason::kLast) + 1);
  for (size_t i = 0; i < rows.size(); ++i) {
    ASSERT_EQ(static_cast<size_t>(rows[i].reason), i) << "rows follow the enum's order";
  }
  for (const ReasonRow& row : rows) {
    const absl::Status status = util::WithReason(absl::Status(row.code, "why"), row.reason);
    for (CallKind kind : {CallKind::kProduce, CallKind::kRead, CallKind::kAdmin, CallKind::kGroup,
                          CallKind::kCommit}) {
      EXPECT_EQ(ToKafkaError(status, kind), row.expected)
          << "reason " << static_cast<int>(row.reason) << " kind " << static_cast<int>(kind);
    }
  }
}

struct CodeRow {
  absl::StatusCode code;
  std::string message;
  // Expected per CallKind: produce, read, admin, group, commit.
  ErrorCode produce, read, admin, group, commit;
};

TEST(KafkaErrorMappingTest, StatusCodesWithoutAReasonMapByTheKindOfCall) {
  using C = absl::StatusCode;
  using E = ErrorCode;
  const std::vector<CodeRow> rows = {
      {C::kOk, "", E::kNone, E::kNone, E::kNone, E::kNone, E::kNone},
      {C::kNotFound, "no such topic", E::kUnknownTopicOrPartition, E::kUnknownTopicOrPartition,
       E::kUnknownTopicOrPartition, E::kUnknownTopicOrPartition, E::kUnknownTopicOrPartition},
      {C::kOutOfRange, "beyond the end", E::kOffsetOutOfRange, E::kOffsetOutOfRange,
       E::kOffsetOutOfRange, E::kOffsetOutOfRange, E::kOffsetOutOfRange},
      {C::kAlreadyExists, "exists", E::kTopicAlreadyExists, E::kTopicAlreadyExists,
       E::kTopicAlreadyExists, E::kTopicAlreadyExists, E::kTopicAlreadyExists},
      // INVALID_ARGUMENT: what was invalid depends on the call; an admin
      // call's message says which field.
      {C::kInvalidArgument, "bad", E::kCorruptMessage, E::kInvalidRequest, E::kInvalidConfig,
       E::kInvalidGroupId, E::kInvalidRequest},
      {C::kInvalidArgument, "bad partition count", E::kCorruptMessage, E::kInvalidRequest,
       E::kInvalidPartitions, E::kInvalidGroupId, E::kInvalidRequest},
      {C::kInvalidArgument, "bad topic name", E::kCorruptMessage, E::kInvalidRequest,
       E::kInvalidTopicException, E::kInvalidGroupId, E::kInvalidRequest},
      {C::kResourceExhausted, "too big", E::kMessageTooLarge, E::kThrottlingQuotaExceeded,
       E::kInvalidPartitions, E::kThrottlingQuotaExceeded, E::kOffsetMetadataTooLarge},
      {C::kFailedPrecondition, "stale", E::kInvalidRequest, E::kInvalidRequest, E::kInvalidRequest,
       E::kIllegalGeneration, E::kIllegalGeneration},
      {C::kUnavailable, "elsewhere", E::kNotLeaderOrFollower, E::kNotLeaderOrFollower,
       E::kNotLeaderOrFollower, E::kCoordinatorNotAvailable, E::kCoordinatorNotAvailable},
      // A coordinator reading its offsets partition (cluster_offset_store.cc):
      // clients retry LOAD_IN_PROGRESS, librdkafka gives up on NOT_AVAILABLE.
      {C::kUnavailable, "the coordinator of group \"g\" is loading its offsets; retry",
       E::kNotLeaderOrFollower, E::kNotLeaderOrFollower, E::kNotLeaderOrFollower,
       E::kCoordinatorLoadInProgress, E::kCoordinatorLoadInProgress},
      {C::kDataLoss, "damaged", E::kKafkaStorageError, E::kKafkaStorageError, E::kKafkaStorageError,
       E::kKafkaStorageError, E::kKafkaStorageError},
      // PERMISSION_DENIED: a group call refused on its group is a group
      // authorization failure; on a topic (also in a commit) a topic one.
      {C::kPermissionDenied, "may not read topic \"t\"", E::kTopicAuthorizationFailed,
       E::kTopicAuthorizationFailed, E::kTopicAuthorizationFailed, E::kTopicAuthorizationFailed,
       E::kTopicAuthorizationFailed},
      {C::kPermissionDenied, "may not read group \"g\"", E::kTopicAuthorizationFailed,
       E::kTopicAuthorizationFailed, E::kTopicAuthorizationFailed, E::kGroupAuthorizationFailed,
       E::kGroupAuthorizationFailed},
      {C::kUnauthenticated, "who", E::kSaslAuthenticationFailed, E::kSaslAuthenticationFailed,
       E::kSaslAuthenticationFailed, E::kSaslAuthenticationFailed, E::kSaslAuthenticationFailed},
      {C::kDeadlineExceeded, "late", E::kRequestTimedOut, E::kRequestTimedOut, E::kRequestTimedOut,
       E::kRequestTimedOut, E::kRequestTimedOut},
      {C::kInternal, "bug", E::kUnknownServerError, E::kUnknownServerError, E::kUnknownServerError,
       E::kUnknownServerError, E::kUnknownServerError},
      {C::kCancelled, "gone", E::kUnknownServerError, E::kUnknownServerError,
       E::kUnknownServerError, E::kUnknownServerError, E::kUnknownServerError},
      {C::kUnimplemented, "no", E::kUnknownServerError, E::kUnknownServerError,
       E::kUnknownServerError, E::kUnknownServerError, E::kUnknownServerError},
      {C::kUnknown, "?", E::kUnknownServerError, E::kUnknownServerError, E::kUnknownServerError,
       E::kUnknownServerError, E::kUnknownServerError},
  };
  for (const CodeRow& row : rows) {
    const absl::Status status(row.code, row.message);
    EXPECT_EQ(ToKafkaError(status, CallKind::kProduce), row.produce) << status;
    EXPECT_EQ(ToKafkaError(status, CallKind::kRead), row.read) << status;
    EXPECT_EQ(ToKafkaError(status, CallKind::kAdmin), row.admin) << status;
    EXPECT_EQ(ToKafkaError(status, CallKind::kGroup), row.group) << status;
    EXPECT_EQ(ToKafkaError(status, CallKind::kCommit), row.commit) << status;
  }
}

TEST(KafkaErrorMappingTest, TheWireValueIsTheCodesNumber) {
  EXPECT_EQ(KafkaErrorOf(absl::ResourceExhaustedError("big"), CallKind::kProduce), 10);
  EXPECT_EQ(KafkaErrorOf(util::WithReason(absl::FailedPreconditionError("old"),
                                          ErrorReason::kIllegalGeneration),
                         CallKind::kCommit),
            22);
  EXPECT_EQ(KafkaErrorOf(util::WithReason(absl::FailedPreconditionError("wait"),
                                          ErrorReason::kRebalanceInProgress),
                         CallKind::kGroup),
            27);
}

}  // namespace
}  // namespace eventlog::kafka
