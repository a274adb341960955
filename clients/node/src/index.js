// eventlog-client: Producer, Consumer and Admin for eventlog's gRPC API.
// Offsets and generations are BigInt (exact 64-bit values); partitions,
// timestamps and sizes are Numbers. Errors are EventLogError with a gRPC
// `code` (compare with Status.*).
export { Admin } from './admin.js';
export { Consumer, Start } from './consumer.js';
export { EventLogError, Status } from './errors.js';
export { createClient } from './grpc.js';
export { murmur2, partitionForKey } from './murmur2.js';
export { Producer } from './producer.js';
