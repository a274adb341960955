// ErrorReason: a finer cause carried by an absl::Status next to its code,
// for the few errors one front door must tell apart although they share a
// code (docs/protocol.md's gRPC table maps codes only; Kafka's error codes
// are finer). The reason travels as a status payload under
// kErrorReasonPayload, so code and message stay exactly what they were.
//
// Stateless functions; thread-safe.
#pragma once

#include <optional>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace eventlog::util {

enum class ErrorReason {
  kCorruptRecord,         // a produced batch that does not decode (INVALID_ARGUMENT)
  kInvalidTimestamp,      // a record timestamp outside its topic's bounds (INVALID_ARGUMENT)
  kRecordTooLarge,        // a record above max_message_bytes (RESOURCE_EXHAUSTED)
  kOutOfOrderSequence,    // an idempotent producer's sequence gap (FAILED_PRECONDITION)
  kInvalidProducerEpoch,  // an idempotent producer's stale epoch (FAILED_PRECONDITION)
  kUnknownMember,         // a consumer-group member the coordinator does not know
  kIllegalGeneration,     // a consumer-group generation that is not the current one
  kRebalanceInProgress,   // a consumer group between generations
  kInconsistentGroupProtocol,  // a group joined with another protocol than its members'
  kInvalidSessionTimeout,      // a consumer-group session timeout outside the broker's bounds
  kNotEnoughReplicas,  // ACKS_ALL with fewer in-sync replicas than required (FAILED_PRECONDITION)
  // An ACKS_ALL batch written, then the ISR fell below the required count
  // before it was acknowledged (FAILED_PRECONDITION; the records stay).
  kNotEnoughReplicasAfterAppend,
  kLast = kNotEnoughReplicasAfterAppend,
};

inline constexpr absl::string_view kErrorReasonPayload = "eventlog-error-reason";

// `status` with `reason` attached (an OK status stays OK).
absl::Status WithReason(absl::Status status, ErrorReason reason);

// The reason attached to `status`, if any.
std::optional<ErrorReason> ReasonOf(const absl::Status& status);

}  // namespace eventlog::util
