// EventLogError: every failure carries the gRPC status code (`code`, compare
// with Status.NOT_FOUND etc.), its name (`codeName`), the broker's message
// (`details`) and whether trying again may succeed (`retriable`). Each code
// the broker uses has its subclass (NotFoundError, ...), as in the Python
// client, so `catch (e) { if (e instanceof NotFoundError) ... }` works.
import { status as Status } from '@grpc/grpc-js';

export { Status };

const NAMES = Object.fromEntries(Object.entries(Status).map(([name, code]) => [code, name]));
// The broker is away or busy, or the deadline was too short: the same call may
// succeed later. (RESOURCE_EXHAUSTED is not: it also means "record too large".)
const RETRIABLE = new Set([Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED, Status.ABORTED]);

export class EventLogError extends Error {
  constructor(code, details) {
    const codeName = NAMES[code] ?? `CODE_${code}`;
    super(`${codeName}: ${details}`);
    this.name = new.target.name;
    this.code = code;
    this.codeName = codeName;
    this.details = details;
    this.retriable = RETRIABLE.has(code);
  }
}

export class InvalidArgumentError extends EventLogError {}
export class NotFoundError extends EventLogError {}
export class AlreadyExistsError extends EventLogError {}
export class OutOfRangeError extends EventLogError {}
export class ResourceExhaustedError extends EventLogError {}
/** E.g. a standalone commit to a group that has live members. */
export class FailedPreconditionError extends EventLogError {}
export class UnavailableError extends EventLogError {}
export class DataLossError extends EventLogError {}
export class UnauthenticatedError extends EventLogError {}
export class PermissionDeniedError extends EventLogError {}
export class DeadlineExceededError extends EventLogError {}
export class CancelledError extends EventLogError {}
export class UnimplementedError extends EventLogError {}

const BY_CODE = new Map([
  [Status.INVALID_ARGUMENT, InvalidArgumentError],
  [Status.NOT_FOUND, NotFoundError],
  [Status.ALREADY_EXISTS, AlreadyExistsError],
  [Status.OUT_OF_RANGE, OutOfRangeError],
  [Status.RESOURCE_EXHAUSTED, ResourceExhaustedError],
  [Status.FAILED_PRECONDITION, FailedPreconditionError],
  [Status.UNAVAILABLE, UnavailableError],
  [Status.DATA_LOSS, DataLossError],
  [Status.UNAUTHENTICATED, UnauthenticatedError],
  [Status.PERMISSION_DENIED, PermissionDeniedError],
  [Status.DEADLINE_EXCEEDED, DeadlineExceededError],
  [Status.CANCELLED, CancelledError],
  [Status.UNIMPLEMENTED, UnimplementedError],
]);

/** The EventLogError subclass for a gRPC code and message. */
export function errorFromCode(code, details) {
  const Kind = BY_CODE.get(code) ?? EventLogError;
  return new Kind(code, details);
}

/** Converts a @grpc/grpc-js ServiceError (or any Error) to an EventLogError. */
export function fromServiceError(err) {
  if (err instanceof EventLogError) return err;
  const code = typeof err?.code === 'number' ? err.code : Status.UNKNOWN;
  return errorFromCode(code, err?.details ?? err?.message ?? String(err));
}
