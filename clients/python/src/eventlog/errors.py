"""Exceptions raised by the eventlog client, one class per gRPC status code.

Every exception is an EventLogError carrying `code` (a grpc.StatusCode) and
`message` (the server's explanation), so callers can catch broadly or
precisely:

    try:
        admin.describe_topic("missing")
    except eventlog.NotFoundError as e:
        print(e.code, e.message)
"""

from __future__ import annotations

from typing import Dict, Type

import grpc

__all__ = [
    "EventLogError",
    "InvalidArgumentError",
    "NotFoundError",
    "AlreadyExistsError",
    "OutOfRangeError",
    "ResourceExhaustedError",
    "FailedPreconditionError",
    "UnavailableError",
    "DataLossError",
    "UnauthenticatedError",
    "PermissionDeniedError",
    "DeadlineExceededError",
    "CancelledError",
    "UnimplementedError",
    "error_from_code",
    "error_from_rpc",
    "status_code",
]


# The broker is away or busy, or the deadline was too short: the same call
# may succeed later. (RESOURCE_EXHAUSTED is not: it also means "too large".)
_RETRIABLE = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.ABORTED})


class EventLogError(Exception):
    """An error reported by the broker (or the transport) with its gRPC code.
    `retriable`: whether the same call may succeed later."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message
        self.retriable = code in _RETRIABLE


class InvalidArgumentError(EventLogError):
    pass


class NotFoundError(EventLogError):
    pass


class AlreadyExistsError(EventLogError):
    pass


class OutOfRangeError(EventLogError):
    pass


class ResourceExhaustedError(EventLogError):
    pass


class FailedPreconditionError(EventLogError):
    """E.g. a commit with a stale group generation (after a rebalance)."""


class UnavailableError(EventLogError):
    pass


class DataLossError(EventLogError):
    pass


class UnauthenticatedError(EventLogError):
    pass


class PermissionDeniedError(EventLogError):
    pass


class DeadlineExceededError(EventLogError):
    pass


class CancelledError(EventLogError):
    pass


class UnimplementedError(EventLogError):
    pass


_BY_CODE: Dict[grpc.StatusCode, Type[EventLogError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.NOT_FOUND: NotFoundError,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExistsError,
    grpc.StatusCode.OUT_OF_RANGE: OutOfRangeError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.FAILED_PRECONDITION: FailedPreconditionError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.DATA_LOSS: DataLossError,
    grpc.StatusCode.UNAUTHENTICATED: UnauthenticatedError,
    grpc.StatusCode.PERMISSION_DENIED: PermissionDeniedError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
    grpc.StatusCode.CANCELLED: CancelledError,
    grpc.StatusCode.UNIMPLEMENTED: UnimplementedError,
}

_BY_NUMBER: Dict[int, grpc.StatusCode] = {c.value[0]: c for c in grpc.StatusCode}


def status_code(number: int) -> grpc.StatusCode:
    """The grpc.StatusCode of a numeric code (as in ProduceResponse.error_code)."""
    return _BY_NUMBER.get(number, grpc.StatusCode.UNKNOWN)


def error_from_code(code: grpc.StatusCode, message: str) -> EventLogError:
    return _BY_CODE.get(code, EventLogError)(code, message)


def error_from_rpc(error: grpc.RpcError) -> EventLogError:
    """Converts a failed call (a grpc.Call raised as RpcError)."""
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
    details = error.details() if hasattr(error, "details") else str(error)
    return error_from_code(code, details or "")
