// EventLogError: every failure carries the gRPC status code (`code`, compare
// with Status.NOT_FOUND etc.), its name (`codeName`) and the broker's message
// (`details`).
import { status as Status } from '@grpc/grpc-js';

export { Status };

const NAMES = Object.fromEntries(Object.entries(Status).map(([name, code]) => [code, name]));

export class EventLogError extends Error {
  constructor(code, details) {
    const codeName = NAMES[code] ?? `CODE_${code}`;
    super(`${codeName}: ${details}`);
    this.name = 'EventLogError';
    this.code = code;
    this.codeName = codeName;
    this.details = details;
  }
}

/** Converts a @grpc/grpc-js ServiceError (or any Error) to an EventLogError. */
export function fromServiceError(err) {
  if (err instanceof EventLogError) return err;
  const code = typeof err?.code === 'number' ? err.code : Status.UNKNOWN;
  return new EventLogError(code, err?.details ?? err?.message ?? String(err));
}
