// Loads eventlog.v1 from its .proto at run time (no generated code) and
// opens clients. The .proto is looked up in $EVENTLOG_PROTO_DIR, then in the
// copy a packed package carries (proto/), then in the repository (../../protos).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { fromServiceError } from './errors.js';

const PROTO = path.join('eventlog', 'v1', 'eventlog.proto');
const here = path.dirname(fileURLToPath(import.meta.url));

// Records may be large (gRPC's default receive limit is 4 MiB); reconnect
// backoff is capped at 5 s so that clients resume soon after a broker restart.
const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': 64 << 20,
  'grpc.max_send_message_length': 64 << 20,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 5000,
};

function protoRoot() {
  const candidates = [
    process.env.EVENTLOG_PROTO_DIR,
    path.join(here, '..', 'proto'),
    path.join(here, '..', '..', '..', 'protos'),
  ].filter(Boolean);
  for (const dir of candidates) {
    if (fs.existsSync(path.join(dir, PROTO))) return dir;
  }
  throw new Error(`eventlog: cannot find ${PROTO} in ${candidates.join(', ')}`);
}

let serviceCtor = null;

function eventLogService() {
  if (serviceCtor === null) {
    const definition = protoLoader.loadSync(PROTO, {
      includeDirs: [protoRoot()],
      keepCase: false, // camelCase fields, as JavaScript expects
      longs: String, // int64 as decimal strings; the library turns offsets into BigInt
      enums: String,
      defaults: true,
      oneofs: true,
    });
    serviceCtor = grpc.loadPackageDefinition(definition).eventlog.v1.EventLog;
  }
  return serviceCtor;
}

/**
 * Opens a raw eventlog.v1.EventLog client (a @grpc/grpc-js client) for
 * "host:port". Pass it to Admin/Producer/Consumer to share one connection;
 * the caller closes it with client.close().
 */
export function createClient(target) {
  const Service = eventLogService();
  return new Service(target, grpc.credentials.createInsecure(), CHANNEL_OPTIONS);
}

/** Returns [client, owned]: owned clients are closed by their user. */
export function openClient(target) {
  if (typeof target === 'string') return [createClient(target), true];
  if (target && typeof target.getChannel === 'function') return [target, false];
  throw new TypeError('target must be "host:port" or a client from createClient()');
}

/**
 * Calls a unary RPC; rejects with EventLogError. waitForReady: wait (within
 * timeoutMs) for an unreachable broker instead of failing with UNAVAILABLE.
 */
export function unary(client, method, request, timeoutMs, { waitForReady = false } = {}) {
  return new Promise((resolve, reject) => {
    const metadata = new grpc.Metadata({ waitForReady });
    client[method](request, metadata, { deadline: Date.now() + timeoutMs }, (err, response) => {
      if (err) reject(fromServiceError(err));
      else resolve(response);
    });
  });
}
