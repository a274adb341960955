// Loads eventlog.v1 from its .proto at run time (no generated code) and
// opens clients. The .proto is looked up in $EVENTLOG_PROTO_DIR, then in the
// copy a packed package carries (proto/), then in the repository (../../protos).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { CONNECT_TIMEOUT_MS, ensureConnecting } from './connection.js';
import { fromServiceError } from './errors.js';
import { channelTarget } from './servers.js';

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

// Adds "authorization: Bearer <token>" to every call. Metadata rather than
// call credentials, which gRPC sends only over TLS.
function bearerToken(token) {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

/**
 * Opens a raw eventlog.v1.EventLog client (a @grpc/grpc-js client) for
 * "host:port", or a list "host1:port1,host2:port2" to fail over between
 * (see servers.js). Pass it to Admin/Producer/Consumer to share one connection;
 * the caller closes it with client.close().
 *
 * Security (all optional): TLS is on when `tls` is true or a file is given;
 * `caFile` (PEM) verifies the server (default: the system roots); `certFile`
 * and `keyFile` (PEM) are the client certificate for mutual TLS; `token` is
 * sent as a bearer token with every call.
 */
export function createClient(target, { tls = false, caFile, certFile, keyFile, token } = {}) {
  const Service = eventLogService();
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new TypeError('certFile and keyFile go together');
  }
  const credentials =
    tls || caFile || certFile
      ? grpc.credentials.createSsl(
          caFile ? fs.readFileSync(caFile) : null,
          keyFile ? fs.readFileSync(keyFile) : null,
          certFile ? fs.readFileSync(certFile) : null,
        )
      : grpc.credentials.createInsecure();
  const options = token ? { ...CHANNEL_OPTIONS, interceptors: [bearerToken(token)] } : CHANNEL_OPTIONS;
  return new Service(channelTarget(target), credentials, options);
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
 * Otherwise a broker that cannot be reached fails the call at once with
 * gRPC's reason, or after connectTimeoutMs if the connection attempt hangs.
 */
export async function unary(
  client,
  method,
  request,
  timeoutMs,
  { waitForReady = false, connectTimeoutMs = CONNECT_TIMEOUT_MS } = {},
) {
  if (!waitForReady) await ensureConnecting(client, Math.min(connectTimeoutMs, timeoutMs));
  return new Promise((resolve, reject) => {
    const metadata = new grpc.Metadata({ waitForReady });
    client[method](request, metadata, { deadline: Date.now() + timeoutMs }, (err, response) => {
      if (err) reject(fromServiceError(err));
      else resolve(response);
    });
  });
}
