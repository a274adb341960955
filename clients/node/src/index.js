// eventlog-client: Producer, Consumer and Admin for eventlog's gRPC API.
// Offsets and generations are BigInt (exact 64-bit values); partitions,
// timestamps and sizes are Numbers. Errors are EventLogError subclasses with a
// gRPC `code` (compare with Status.*) and a `retriable` flag.
export { Admin } from './admin.js';
export { Consumer, Start } from './consumer.js';
export {
  AlreadyExistsError,
  CancelledError,
  DataLossError,
  DeadlineExceededError,
  EventLogError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  OutOfRangeError,
  PermissionDeniedError,
  ResourceExhaustedError,
  Status,
  UnauthenticatedError,
  UnavailableError,
  UnimplementedError,
} from './errors.js';
export { createClient } from './grpc.js';
export { murmur2, partitionForKey } from './murmur2.js';
export { Producer } from './producer.js';
