// Waiting for the broker, and saying why it cannot be reached.
//
// @grpc/grpc-js has no connect timeout: against a port that accepts TCP
// connections and never speaks HTTP/2 (not a broker, a hung host) a call
// waits until its deadline, and a stream for ever. And a call that waits for
// the broker ends with a bare DEADLINE_EXCEEDED. So the clients watch the
// channel's state themselves: calls start once it is READY, fail at once
// (with gRPC's reason: connection refused, DNS) in TRANSIENT_FAILURE, and give
// up after CONNECT_TIMEOUT_MS of CONNECTING with "the broker did not answer".
import * as grpc from '@grpc/grpc-js';
import { Status, errorFromCode } from './errors.js';

const { READY, TRANSIENT_FAILURE, SHUTDOWN } = grpc.connectivityState;

/** How long one connection attempt may take before a call fails UNAVAILABLE. */
export const CONNECT_TIMEOUT_MS = 5000;

/**
 * Resolves to 'ready', 'failure' (the last attempt failed; gRPC knows why)
 * or 'timeout' (still connecting at deadlineMs, a Date.now() time).
 */
export function awaitConnection(client, deadlineMs) {
  const channel = client.getChannel();
  return new Promise((resolve) => {
    const check = () => {
      const state = channel.getConnectivityState(true);
      if (state === READY) return resolve('ready');
      if (state === TRANSIENT_FAILURE || state === SHUTDOWN) return resolve('failure');
      if (Date.now() >= deadlineMs) return resolve('timeout');
      channel.watchConnectivityState(state, deadlineMs, check);
    };
    check();
  });
}

/** gRPC's reason why the broker cannot be reached, from a fail-fast call. */
export function probeCause(client) {
  return new Promise((resolve) => {
    client.ListTopics({}, new grpc.Metadata(), { deadline: Date.now() + 1000 }, (err) => {
      if (!err) resolve(null);
      else if (err.code === Status.UNAVAILABLE) resolve(err.details);
      else resolve('the broker did not answer');
    });
  });
}

/**
 * Waits for the broker to answer. Resolves to null, or to an EventLogError:
 * UNAVAILABLE naming the cause once timeoutMs pass (or keepWaiting() turns
 * false). report(EventLogError) hears of each new cause as soon as it is seen.
 */
export async function waitForBroker(client, { timeoutMs = Infinity, keepWaiting = () => true, report = () => {} } = {}) {
  const deadline = Date.now() + timeoutMs;
  let cause = '';
  while (keepWaiting()) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const state = await awaitConnection(client, Date.now() + Math.min(1000, remaining));
    if (state === 'ready') return null;
    const seen = state === 'failure' ? await probeCause(client) : 'the broker did not answer (no connection within the connect attempt)';
    if (seen === null) return null;
    if (seen !== cause) {
      cause = seen;
      report(errorFromCode(Status.UNAVAILABLE, `cannot reach the broker: ${cause}`));
    }
    if (state === 'failure') await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, deadline - Date.now()))));
  }
  const seconds = Number.isFinite(timeoutMs) ? `${timeoutMs / 1000} s` : 'the time allowed';
  return errorFromCode(Status.UNAVAILABLE, `no connection to the broker within ${seconds}: ${cause || 'the broker did not answer'}`);
}

/**
 * Before a fail-fast call: resolves once the channel is READY or failed
 * (the call then fails with gRPC's reason); rejects UNAVAILABLE if it is
 * still connecting after connectTimeoutMs.
 */
export async function ensureConnecting(client, connectTimeoutMs) {
  if (client.getChannel().getConnectivityState(true) === READY) return;
  const state = await awaitConnection(client, Date.now() + connectTimeoutMs);
  if (state === 'timeout') {
    throw errorFromCode(
      Status.UNAVAILABLE,
      `the broker did not answer within ${connectTimeoutMs} ms (the connection attempt never completed: a port that is not a broker's, or a host that does not respond)`,
    );
  }
}

