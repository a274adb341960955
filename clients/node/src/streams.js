// Streams: the Subscribe streams of one Consumer and the bounded queue they
// fill.
//
// One stream per explicit partition (so each can start, resume and seek on its
// own offset), or one group stream. Each stream has an epoch, bumped by
// restart() (a seek), so that what an older stream queued is skipped. Streams
// that fail with UNAVAILABLE or CANCELLED (a broker restart, the network) are
// reopened with exponential backoff from the next offset not yet received (a
// group stream rejoins at the group's committed offsets); other errors are
// queued for the consumer to throw. Before each (re)connection the broker is
// waited for (connection.js): each new cause is reported, and a stream that
// never reached the broker within connectTimeoutMs queues UNAVAILABLE with the
// cause. When the queue holds highWaterMark items the streams are paused, so a
// slow reader slows the broker down instead of growing memory.
//
// A group stream records each Assignment in the Ownership as it arrives and
// queues it, in stream order with the records; record batches carry the
// "since" of their partition (see ownership.js).
import { waitForBroker } from './connection.js';
import { Status, errorFromCode, fromServiceError } from './errors.js';
import { int64 } from './values.js';
import { decodeRecordsResponse } from './wire.js';

export const GROUP_STREAM = -1; // the stream key of a group subscription
export const RESET_TO = { earliest: 'START_FROM_EARLIEST', latest: 'START_FROM_LATEST' };
// A broker going away ends streams with UNAVAILABLE (or CANCELLED when its gRPC
// server cancels them on shutdown); our own cancellations are filtered out first.
const RETRYABLE = new Set([Status.UNAVAILABLE, Status.CANCELLED]);

/** Start positions: Start.EARLIEST, LATEST, COMMITTED, Start.offset(n), Start.timestamp(ms). */
export const Start = Object.freeze({
  EARLIEST: Object.freeze({ kind: 'START_FROM_EARLIEST' }),
  LATEST: Object.freeze({ kind: 'START_FROM_LATEST' }),
  /** The group's committed offset; partitions without one use `resetTo`. */
  COMMITTED: Object.freeze({ kind: 'START_FROM_COMMITTED' }),
  offset: (offset) => Object.freeze({ kind: 'START_FROM_OFFSET', offset: BigInt(offset) }),
  timestamp: (timestampMs) => Object.freeze({ kind: 'START_FROM_TIMESTAMP', timestampMs: Number(timestampMs) }),
});

export class Streams {
  #client;
  #topic;
  #group;
  #resetTo;
  #maxBatchRecords;
  #highWaterMark;
  #backoffMs;
  #connectTimeoutMs;
  #ownership;
  #report;
  #queue = []; // {kind: 'records'|'assignment'|'error', stream, epoch, ...}
  #waiter = null; // resolves the pending next() with the next item
  #paused = false;
  #epochs = new Map(); // stream -> epoch
  #calls = new Map(); // stream -> active Subscribe call
  #timers = new Set(); // pending reconnects
  #closed = false;

  constructor(client, topic, options) {
    this.#client = client;
    this.#topic = topic;
    this.#group = options.group;
    this.#resetTo = options.resetTo;
    this.#maxBatchRecords = options.maxBatchRecords;
    this.#highWaterMark = options.highWaterMark;
    this.#backoffMs = options.reconnectBackoffMs;
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.#ownership = options.ownership;
    this.#report = options.report;
  }

  /** The explicit partitions read. */
  partitions() {
    return [...this.#epochs.keys()].filter((s) => s !== GROUP_STREAM).sort((a, b) => a - b);
  }

  /** (Re)starts `stream` at `start`; what the old one queued is skipped. */
  restart(stream, start) {
    const epoch = (this.#epochs.get(stream) ?? 0) + 1;
    this.#epochs.set(stream, epoch);
    const old = this.#calls.get(stream);
    this.#calls.delete(stream);
    old?.cancel();
    this.#open(stream, epoch, { start, backoffMs: this.#backoffMs[0], reached: false });
  }

  /** The next current item, or null at the deadline (a Date.now() time) or once closed. */
  async next(deadline) {
    for (;;) {
      const item = this.#queue.length > 0 ? this.#queue.shift() : await this.#wait(deadline);
      if (item === null) return null;
      this.#maybeResume();
      if (this.#epochs.get(item.stream) === item.epoch) return item;
    }
  }

  close() {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const call of this.#calls.values()) call.cancel();
    this.#calls.clear();
    this.#waiter?.(null);
  }

  #wanted(stream, epoch) {
    return !this.#closed && this.#epochs.get(stream) === epoch;
  }

  #request(stream, start) {
    const request = {
      topic: this.#topic,
      startFrom: start.kind,
      startOffset: int64(start.offset ?? 0n),
      startTimestampMs: int64(start.timestampMs ?? 0),
      maxBatchRecords: this.#maxBatchRecords,
    };
    if (stream === GROUP_STREAM) {
      request.group = this.#group;
      request.resetTo = RESET_TO[this.#resetTo];
    } else {
      request.partitions = [stream];
    }
    return request;
  }

  // Subscribe with record batches decoded by wire.js straight into records;
  // other messages (assignments) go through proto-loader.
  #subscribe(request) {
    const method = this.#client.constructor.service.Subscribe;
    const topic = this.#topic;
    const deserialize = (buf) => decodeRecordsResponse(buf, topic) ?? method.responseDeserialize(buf);
    return this.#client.makeServerStreamRequest(method.path, method.requestSerialize, deserialize, request);
  }

  async #open(stream, epoch, state) {
    const unreachable = await waitForBroker(this.#client, {
      timeoutMs: state.reached ? Infinity : this.#connectTimeoutMs,
      keepWaiting: () => this.#wanted(stream, epoch),
      report: this.#report,
    });
    if (!this.#wanted(stream, epoch)) return;
    if (unreachable) {
      this.#push({ kind: 'error', stream, epoch, error: unreachable });
      return;
    }
    state.reached = true;
    const call = this.#subscribe(this.#request(stream, state.start));
    this.#calls.set(stream, call);
    if (this.#paused) call.pause();
    call.on('data', (response) => this.#onData(stream, epoch, state, response));
    let ended = false;
    const onEnd = (error) => {
      if (ended) return;
      ended = true;
      if (this.#calls.get(stream) === call) this.#calls.delete(stream);
      if (!this.#wanted(stream, epoch)) return;
      if (!RETRYABLE.has(error.code)) {
        this.#push({ kind: 'error', stream, epoch, error });
        return;
      }
      if (stream === GROUP_STREAM) state.start = Start.COMMITTED; // rejoin where the group left off
      const delay = state.backoffMs * (0.5 + Math.random() / 2);
      state.backoffMs = Math.min(state.backoffMs * 2, this.#backoffMs[1]);
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#open(stream, epoch, state);
      }, delay);
      this.#timers.add(timer);
    };
    call.on('error', (err) => onEnd(fromServiceError(err)));
    call.on('end', () => onEnd(errorFromCode(Status.UNAVAILABLE, 'subscription ended')));
  }

  #onData(stream, epoch, state, response) {
    if (!this.#wanted(stream, epoch)) return;
    if (response.event === 'records' && response.records.records.length > 0) {
      const { records } = response.records; // already in the public shape (#subscribe)
      let since = 0;
      if (this.#ownership) {
        since = this.#ownership.since(response.records.partition);
        if (since === undefined) return; // not ours (revoked): its new owner reads it
      }
      if (stream !== GROUP_STREAM) state.start = Start.offset(records.at(-1).offset + 1n);
      state.backoffMs = this.#backoffMs[0];
      this.#push({ kind: 'records', stream, epoch, records, since });
    } else if (response.event === 'assignment' && this.#ownership) {
      const a = response.assignment;
      this.#ownership.update(a.memberId, a.generation, a.partitions);
      const assignment = { ...this.#ownership.assignment, partitions: [...this.#ownership.assignment.partitions] };
      this.#push({ kind: 'assignment', stream, epoch, assignment, since: this.#ownership.sinceMap() });
    }
  }

  #push(item) {
    if (this.#waiter) {
      this.#waiter(item);
      return;
    }
    this.#queue.push(item);
    if (!this.#paused && this.#queue.length >= this.#highWaterMark) {
      this.#paused = true;
      for (const call of this.#calls.values()) call.pause();
    }
  }

  #maybeResume() {
    if (this.#paused && this.#queue.length <= this.#highWaterMark / 2) {
      this.#paused = false;
      for (const call of this.#calls.values()) call.resume();
    }
  }

  #wait(deadline) {
    return new Promise((resolve) => {
      let timer = null;
      if (Number.isFinite(deadline)) {
        const ms = deadline - Date.now();
        if (ms <= 0) {
          resolve(null);
          return;
        }
        timer = setTimeout(() => {
          this.#waiter = null;
          resolve(null);
        }, ms);
      }
      this.#waiter = (item) => {
        clearTimeout(timer);
        this.#waiter = null;
        resolve(item);
      };
    });
  }
}
