// Consumer: an async iterator over the records of a topic pushed by Subscribe.
//
// Two modes:
// - explicit partitions (`partitions: [...]` or 'all', or no group): one
//   Subscribe stream per partition, so each partition can start, resume after
//   a reconnect, and seek on its own offset. A `group` given in this mode only
//   names where commit() stores offsets (generation 0, as in Kafka's assign()).
// - group (`group` without `partitions`): one Subscribe stream in the group;
//   the broker assigns partitions (see `assignment`) and commits carry the
//   assignment's member id and generation (the broker refuses a commit from a
//   member that does not own the partition in that generation).
//
// Streams that fail with UNAVAILABLE (broker restart, network) are reopened
// with exponential backoff from the next offset not yet received; other
// errors are thrown by the iteration. Delivery is at-least-once. Received
// batches wait in a bounded buffer: when it is full the streams are paused,
// so a slow reader slows the broker down instead of growing memory.
import { EventLogError, Status, fromServiceError } from './errors.js';
import { openClient, unary } from './grpc.js';
import { int64, offsetEntries } from './values.js';
import { decodeRecordsResponse } from './wire.js';

const GROUP_STREAM = -1; // key of the group stream in #epochs/#calls
// A broker going away ends streams with UNAVAILABLE (or CANCELLED when its gRPC
// server cancels them on shutdown); our own cancellations are filtered out first.
const RETRYABLE = new Set([Status.UNAVAILABLE, Status.CANCELLED]);
const RESET_TO = { earliest: 'START_FROM_EARLIEST', latest: 'START_FROM_LATEST' };

/** Start positions: Start.EARLIEST, LATEST, COMMITTED, Start.offset(n), Start.timestamp(ms). */
export const Start = Object.freeze({
  EARLIEST: Object.freeze({ kind: 'START_FROM_EARLIEST' }),
  LATEST: Object.freeze({ kind: 'START_FROM_LATEST' }),
  /** The group's committed offset; partitions without one use `resetTo`. */
  COMMITTED: Object.freeze({ kind: 'START_FROM_COMMITTED' }),
  offset: (offset) => Object.freeze({ kind: 'START_FROM_OFFSET', offset: BigInt(offset) }),
  timestamp: (timestampMs) => Object.freeze({ kind: 'START_FROM_TIMESTAMP', timestampMs: Number(timestampMs) }),
});

export class Consumer {
  #client;
  #owned;
  #topic;
  #group;
  #groupMode;
  #partitionsOption;
  #start;
  #resetTo;
  #autoCommit;
  #autoCommitIntervalMs;
  #nextAutoCommit;
  #maxBatchRecords;
  #highWaterMark;
  #backoffMs;
  #timeoutMs;
  #queue = []; // {kind: 'records'|'error', stream, epoch, records|error}
  #waiter = null; // resolves the pending poll() with the next queue item
  #paused = false;
  #epochs = new Map(); // stream -> epoch; seek() bumps it to drop older data
  #calls = new Map(); // stream -> active Subscribe call
  #timers = new Set(); // pending reconnects
  #assignment = null;
  #current = { records: [], index: 0 }; // the batch being handed out
  #positions = new Map(); // partition -> next offset to consume (bigint)
  #committed = new Map(); // partition -> last offset committed by us
  #started = null;
  #closed = false;
  #polling = false;

  /**
   * @param target "host:port", or a client from createClient() that the caller closes.
   * @param topic the topic to read.
   * @param options.group consumer group (group mode unless `partitions` is given).
   * @param options.partitions number[] or 'all' (explicit mode).
   * @param options.start a Start position; default COMMITTED in group mode, LATEST otherwise.
   * @param options.resetTo 'earliest' | 'latest' (default): where COMMITTED starts without a commit.
   * @param options.autoCommit commit consumed positions every autoCommitIntervalMs (when the
   *   next record is requested, so only records already handed out count) and on close().
   */
  constructor(
    target,
    topic,
    {
      group,
      partitions,
      start,
      resetTo = 'latest',
      autoCommit = false,
      autoCommitIntervalMs = 5000,
      maxBatchRecords = 0,
      highWaterMark = 64,
      reconnectBackoffMs = [100, 5000],
      timeoutMs = 30000,
    } = {},
  ) {
    if (!(resetTo in RESET_TO)) throw new TypeError("resetTo must be 'earliest' or 'latest'");
    if (autoCommit && group === undefined) throw new TypeError('autoCommit needs a group');
    if (partitions !== undefined && partitions !== 'all' && !Array.isArray(partitions)) {
      throw new TypeError("partitions must be an array of numbers or 'all'");
    }
    [this.#client, this.#owned] = openClient(target);
    this.#topic = topic;
    this.#group = group;
    this.#groupMode = group !== undefined && partitions === undefined;
    this.#partitionsOption = partitions;
    this.#start = start;
    this.#resetTo = resetTo;
    this.#autoCommit = autoCommit;
    this.#autoCommitIntervalMs = autoCommitIntervalMs;
    this.#nextAutoCommit = Date.now() + autoCommitIntervalMs;
    this.#maxBatchRecords = maxBatchRecords;
    this.#highWaterMark = highWaterMark;
    this.#backoffMs = reconnectBackoffMs;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Opens the subscriptions (iteration and poll() call it); rejects with
   * EventLogError, e.g. NOT_FOUND for an unknown topic. Idempotent.
   */
  start() {
    this.#started ??= this.#startStreams();
    return this.#started;
  }

  /** Yields records until close(); `break` leaves the consumer open. */
  async *[Symbol.asyncIterator]() {
    for (;;) {
      const record = await this.poll();
      if (record === null) return;
      yield record;
    }
  }

  /**
   * The next record, or null after timeoutMs (default: wait until one arrives
   * or the consumer is closed). Rejects with the EventLogError that ended a
   * stream for good (e.g. NOT_FOUND once the topic is deleted).
   */
  async poll(timeoutMs) {
    if (this.#polling) throw new Error('Consumer.poll(): another poll or iteration is pending (one reader at a time)');
    this.#polling = true;
    try {
      return await this.#poll(timeoutMs);
    } finally {
      this.#polling = false;
    }
  }

  async #poll(timeoutMs) {
    await this.start();
    if (this.#autoCommit && Date.now() >= this.#nextAutoCommit) await this.#commitQuietly();
    const deadline = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    for (;;) {
      const current = this.#current;
      if (current.index < current.records.length) {
        const record = current.records[current.index++];
        this.#positions.set(record.partition, record.offset + 1n);
        return record;
      }
      if (this.#closed) return null;
      const item = this.#queue.length > 0 ? this.#queue.shift() : await this.#wait(deadline);
      if (item === null) return null;
      this.#maybeResume();
      if (this.#epochs.get(item.stream) !== item.epoch) continue; // superseded by seek()
      if (item.kind === 'error') throw item.error;
      if (this.#groupMode && !this.#assignment?.partitions.includes(item.records[0].partition)) {
        continue; // revoked by a rebalance; its new owner reads it
      }
      this.#current = { records: item.records, index: 0 };
    }
  }

  /**
   * Group mode: the broker's latest assignment {memberId, generation, partitions}
   * (null until joined). Explicit mode: the partitions read, generation 0n.
   */
  get assignment() {
    if (this.#groupMode) return this.#assignment;
    return { memberId: '', generation: 0n, partitions: [...this.#epochs.keys()].sort((a, b) => a - b) };
  }

  /** The next offset (bigint) this consumer hands out for `partition`, if known. */
  position(partition) {
    return this.#positions.get(partition);
  }

  /**
   * Commits offsets ({partition: next offset} object or Map; default: the
   * positions after every record handed out). Resolves to the committed
   * Map<partition, bigint>. Rejects with FAILED_PRECONDITION if a rebalance
   * made the generation stale.
   */
  async commit(offsets, { metadata = '' } = {}) {
    if (this.#group === undefined) throw new TypeError('commit needs a group');
    await this.start();
    return this.#commit(offsets ? offsetEntries(offsets) : [...this.#positions], metadata);
  }

  /** The group's committed offsets, Map<partition, bigint>. */
  async committed(partitions = []) {
    if (this.#group === undefined) throw new TypeError('committed offsets need a group');
    return this.#fetchCommitted(partitions);
  }

  /**
   * Makes `offset` the next record of `partition`. Explicit mode: restarts that
   * partition's stream. Group mode: the protocol has no per-member position, so
   * this commits `offset` for the partition and re-joins the group (a
   * rebalance); other partitions resume from their committed offsets.
   * RangeError if `partition` is not read (explicit) or not assigned (group).
   */
  async seek(partition, offset) {
    await this.start();
    const target = BigInt(offset);
    let stream = partition;
    let start = Start.offset(target);
    if (this.#groupMode) {
      if (!this.#assignment?.partitions.includes(partition)) {
        throw new RangeError(`partition ${partition} is not assigned to this consumer`);
      }
      await this.#commit([[partition, target]], '');
      stream = GROUP_STREAM;
      start = Start.COMMITTED;
    } else if (!this.#epochs.has(partition)) {
      throw new RangeError(`partition ${partition} is not read by this consumer`);
    }
    const { records, index } = this.#current;
    const rest = records.slice(index).filter((r) => stream !== GROUP_STREAM && r.partition !== partition);
    this.#current = { records: rest, index: 0 };
    this.#positions.set(partition, target);
    this.#startStream(stream, start);
  }

  /** Commits (with autoCommit), stops the streams and ends the iteration. */
  async close() {
    if (this.#closed) return;
    if (this.#autoCommit && this.#started) {
      await this.#started.catch(() => {});
      await this.#commitQuietly();
    }
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const call of this.#calls.values()) call.cancel();
    this.#calls.clear();
    this.#waiter?.(null);
    if (this.#owned) this.#client.close();
  }

  // --- internals ---------------------------------------------------------

  async #startStreams() {
    if (this.#groupMode) {
      this.#startStream(GROUP_STREAM, this.#start ?? { kind: 'START_FROM_UNSPECIFIED' });
      return;
    }
    let partitions = this.#partitionsOption;
    if (partitions === undefined || partitions === 'all') {
      const description = await unary(this.#client, 'DescribeTopic', { name: this.#topic }, this.#timeoutMs);
      partitions = description.partitions.map((p) => p.partition);
    }
    const start = this.#start ?? Start.LATEST;
    let starts = new Map(partitions.map((p) => [p, start]));
    if (start.kind === Start.COMMITTED.kind) {
      if (this.#group === undefined) throw new TypeError('Start.COMMITTED needs a group');
      const committed = await this.#fetchCommitted(partitions);
      const reset = { kind: RESET_TO[this.#resetTo] };
      starts = new Map(partitions.map((p) => [p, committed.has(p) ? Start.offset(committed.get(p)) : reset]));
    }
    if (this.#closed) return;
    for (const p of partitions) this.#startStream(p, starts.get(p));
  }

  async #fetchCommitted(partitions) {
    const request = { group: this.#group, topic: this.#topic, partitions };
    const response = await unary(this.#client, 'FetchCommittedOffsets', request, this.#timeoutMs);
    return new Map(response.offsets.map((o) => [o.partition, BigInt(o.offset)]));
  }

  async #commit(entries, metadata) {
    let generation = 0n;
    let memberId = '';
    if (this.#groupMode) {
      const assignment = this.#assignment;
      if (!assignment) return new Map();
      ({ generation, memberId } = assignment);
      entries = entries.filter(([p]) => assignment.partitions.includes(p));
    }
    await Promise.all(
      entries.map(([partition, offset]) =>
        unary(
          this.#client,
          'CommitOffset',
          {
            group: this.#group,
            topic: this.#topic,
            partition,
            offset: int64(offset),
            metadata,
            generation: int64(generation),
            memberId,
          },
          this.#timeoutMs,
        ),
      ),
    );
    for (const [p, o] of entries) this.#committed.set(p, o);
    return new Map(entries);
  }

  async #commitQuietly() {
    this.#nextAutoCommit = Date.now() + this.#autoCommitIntervalMs;
    const changed = [...this.#positions].filter(([p, o]) => this.#committed.get(p) !== o);
    if (changed.length === 0) return;
    try {
      await this.#commit(changed, '');
    } catch (err) {
      // e.g. a rebalance made the generation stale; the next commit catches up.
      process.emitWarning(`eventlog auto-commit failed: ${err.message}`);
    }
  }

  #startStream(stream, start) {
    const epoch = (this.#epochs.get(stream) ?? 0) + 1;
    this.#epochs.set(stream, epoch);
    const old = this.#calls.get(stream);
    this.#calls.delete(stream);
    old?.cancel();
    this.#openStream(stream, epoch, { start, backoffMs: this.#backoffMs[0] });
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

  #openStream(stream, epoch, state) {
    if (this.#closed || this.#epochs.get(stream) !== epoch) return;
    const call = this.#subscribe(this.#request(stream, state.start));
    this.#calls.set(stream, call);
    if (this.#paused) call.pause();
    call.on('data', (response) => {
      if (this.#epochs.get(stream) !== epoch) return;
      if (response.event === 'assignment') {
        const a = response.assignment;
        this.#assignment = {
          memberId: a.memberId,
          generation: BigInt(a.generation),
          partitions: [...a.partitions].sort((x, y) => x - y),
        };
      } else if (response.event === 'records' && response.records.records.length > 0) {
        const { records } = response.records; // already in the public shape (#subscribe)
        if (stream !== GROUP_STREAM) state.start = Start.offset(records.at(-1).offset + 1n);
        state.backoffMs = this.#backoffMs[0];
        this.#push({ kind: 'records', stream, epoch, records });
      }
    });
    let ended = false;
    const onEnd = (error) => {
      if (ended) return;
      ended = true;
      if (this.#calls.get(stream) === call) this.#calls.delete(stream);
      if (this.#closed || this.#epochs.get(stream) !== epoch) return;
      if (!RETRYABLE.has(error.code)) {
        this.#push({ kind: 'error', stream, epoch, error });
        return;
      }
      if (stream === GROUP_STREAM) state.start = Start.COMMITTED; // rejoin where the group left off
      const delay = state.backoffMs * (0.5 + Math.random() / 2);
      state.backoffMs = Math.min(state.backoffMs * 2, this.#backoffMs[1]);
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        this.#openStream(stream, epoch, state);
      }, delay);
      this.#timers.add(timer);
    };
    call.on('error', (err) => onEnd(fromServiceError(err)));
    call.on('end', () => onEnd(new EventLogError(Status.UNAVAILABLE, 'subscription ended')));
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
