// Consumer: an async iterator over the records of a topic pushed by Subscribe.
//
// Two modes:
// - explicit partitions (`partitions: [...]` or 'all', or no group): one
//   Subscribe stream per partition. A `group` given in this mode only names
//   where commit() stores offsets (generation 0, as with Kafka's assign()).
// - group (`group` without `partitions`): one Subscribe stream in the group;
//   the broker assigns partitions and moves them between members
//   (rebalances). onAssign / onRevoke (awaited) and the 'assign' / 'revoke'
//   events hear of each change before any record of the new assignment.
//
// Commits are batched and ordered (committer.js); autoCommit (the default in
// group mode) commits the positions of the records handed out every
// autoCommitIntervalMs and on close(). A group member commits only partitions
// it has owned without a break since it read them, so a commit never moves a
// group's offset backwards (only seek() does); a commit refused because a
// rebalance is in progress is deferred or dropped, never thrown.
//
// Streams (streams.js) reconnect with backoff; a broker that cannot be
// reached is reported with its cause (onError, a process warning), and a
// consumer that never reached it rejects after connectTimeoutMs.
import { EventEmitter } from 'node:events';
import { debuglog } from 'node:util';
import { Committer } from './committer.js';
import { openClient, unary } from './grpc.js';
import { Ownership } from './ownership.js';
import { GROUP_STREAM, RESET_TO, Start, Streams } from './streams.js';
import { offsetEntries } from './values.js';

export { Start };

const debug = debuglog('eventlog');
const EMPTY = Object.freeze({ records: Object.freeze([]), index: 0, since: 0 });

export class Consumer extends EventEmitter {
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
  #onAssign;
  #onRevoke;
  #onError;
  #timeoutMs;
  #ownership;
  #committer;
  #streams;
  #current = EMPTY; // the batch being handed out
  #positions = new Map(); // partition -> next offset (bigint), up to the batch at hand
  #positionSince = new Map();
  #assignment = null; // group mode: as told to onAssign
  #ownedSince = new Map();
  #started = null;
  #closed = false;
  #polling = false;

  /**
   * @param target "host:port", a list "a:7070,b:7070", or a client from createClient() that the caller closes.
   * @param topic the topic to read.
   * @param options.group consumer group (group mode unless `partitions` is given).
   * @param options.partitions number[] or 'all' (explicit mode).
   * @param options.start a Start position; default COMMITTED in group mode, LATEST otherwise.
   * @param options.resetTo 'latest' (default, as in Kafka) | 'earliest': where COMMITTED starts without a commit.
   * @param options.autoCommit default true in group mode: commit the positions of the records
   *   handed out every autoCommitIntervalMs (when more are asked for) and on close().
   * @param options.onAssign (partitions added, consumer) after every rebalance (awaited).
   * @param options.onRevoke (partitions taken away, consumer) when some are (awaited); close() revokes all.
   * @param options.onError (EventLogError): the broker cannot be reached (with the cause), or an
   *   autoCommit failed; also printed as a process warning.
   * @param options.connectTimeoutMs poll() rejects with UNAVAILABLE if the broker cannot be
   *   reached within this time of starting (default 30 s); later outages are retried for ever.
   */
  constructor(
    target,
    topic,
    {
      group,
      partitions,
      start,
      resetTo = 'latest',
      autoCommit,
      autoCommitIntervalMs = 5000,
      onAssign,
      onRevoke,
      onError,
      maxBatchRecords = 0,
      highWaterMark = 64,
      reconnectBackoffMs = [100, 5000],
      timeoutMs = 30000,
      connectTimeoutMs = 30000,
    } = {},
  ) {
    super();
    if (!(resetTo in RESET_TO)) throw new TypeError("resetTo must be 'earliest' or 'latest'");
    if (partitions !== undefined && partitions !== 'all' && !Array.isArray(partitions)) {
      throw new TypeError("partitions must be an array of numbers or 'all'");
    }
    this.#groupMode = group !== undefined && partitions === undefined;
    autoCommit ??= this.#groupMode;
    if (autoCommit && group === undefined) throw new TypeError('autoCommit needs a group');
    [this.#client, this.#owned] = openClient(target);
    this.#topic = topic;
    this.#group = group;
    this.#partitionsOption = partitions;
    this.#start = start;
    this.#resetTo = resetTo;
    this.#autoCommit = autoCommit;
    this.#autoCommitIntervalMs = autoCommitIntervalMs;
    this.#nextAutoCommit = Date.now() + autoCommitIntervalMs;
    this.#onAssign = onAssign;
    this.#onRevoke = onRevoke;
    this.#onError = onError;
    this.#timeoutMs = timeoutMs;
    this.#ownership = this.#groupMode ? new Ownership() : null;
    if (group !== undefined) {
      this.#committer = new Committer(this.#client, group, topic, this.#ownership, timeoutMs, (message) =>
        debug('%s/%s: %s', group, topic, message),
      );
    }
    this.#streams = new Streams(this.#client, topic, {
      group,
      resetTo,
      maxBatchRecords,
      highWaterMark,
      reconnectBackoffMs,
      connectTimeoutMs,
      ownership: this.#ownership,
      report: (error) => this.#report(error),
    });
  }

  /**
   * Opens the subscriptions (iteration and poll() call it); rejects with
   * EventLogError, e.g. NOT_FOUND for an unknown topic. Idempotent.
   */
  start() {
    this.#started ??= this.#startStreams();
    return this.#started;
  }

  /**
   * Yields records until close(); `break` leaves the consumer open. A plain
   * iterator rather than an async generator: a record at hand is returned
   * without a Promise of its own, which halves the cost per record.
   */
  [Symbol.asyncIterator]() {
    const done = { value: undefined, done: true };
    const next = () => {
      const batch = this.#current;
      if (batch.index < batch.records.length) return { value: batch.records[batch.index++], done: false };
      return this.#guarded(Infinity).then((more) => (more ? next() : done));
    };
    return {
      next,
      return: async () => done,
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /**
   * The next record, or null after timeoutMs (default: wait until one arrives
   * or the consumer is closed). Rejects with the EventLogError that ended a
   * stream for good (e.g. NOT_FOUND once the topic is deleted).
   */
  async poll(timeoutMs) {
    const batch = this.#current;
    if (batch.index < batch.records.length) return batch.records[batch.index++];
    if (!(await this.#guarded(timeoutMs === undefined ? Infinity : Date.now() + timeoutMs))) return null;
    return this.#current.records[this.#current.index++];
  }

  async #guarded(deadline) {
    if (this.#polling) throw new Error('Consumer.poll(): another poll or iteration is pending (one reader at a time)');
    this.#polling = true;
    try {
      await this.start();
      return await this.#nextBatch(deadline);
    } finally {
      this.#polling = false;
    }
  }

  // Replaces the batch at hand by the next one, applying assignments and
  // auto-commits on the way; false at the deadline or once closed.
  async #nextBatch(deadline) {
    this.#settle();
    this.#current = EMPTY;
    for (;;) {
      if (this.#autoCommit && Date.now() >= this.#nextAutoCommit) this.#autoCommitNow();
      if (this.#closed) return false;
      const item = await this.#streams.next(deadline);
      if (item === null) return false;
      if (item.kind === 'error') throw item.error;
      if (item.kind === 'assignment') {
        await this.#apply(item.assignment, item.since);
        continue;
      }
      if (this.#ownership && this.#ownership.since(item.records[0].partition) !== item.since) continue; // revoked since
      this.#current = { records: item.records, index: 0, since: item.since };
      return true;
    }
  }

  // Moves the position of the batch at hand into #positions.
  #settle() {
    const { records, index, since } = this.#current;
    if (index === 0) return;
    const last = records[index - 1];
    this.#positions.set(last.partition, last.offset + 1n);
    this.#positionSince.set(last.partition, since);
  }

  async #apply(assignment, since) {
    const before = this.#assignment?.partitions ?? [];
    const kept = new Set(before.filter((p) => since.has(p) && since.get(p) === this.#ownedSince.get(p)));
    const revoked = before.filter((p) => !kept.has(p));
    const added = assignment.partitions.filter((p) => !kept.has(p));
    this.#assignment = assignment;
    this.#ownedSince = since;
    if (revoked.length > 0) {
      for (const p of revoked) {
        this.#positions.delete(p);
        this.#positionSince.delete(p);
      }
      this.#committer?.forget(revoked);
      await this.#onRevoke?.(revoked, this);
      this.emit('revoke', revoked);
    }
    await this.#onAssign?.(added, this);
    this.emit('assign', added);
  }

  /**
   * Group mode: the assignment {memberId, generation, partitions} as last told
   * to onAssign (null until joined). Explicit mode: the partitions read, generation 0n.
   */
  get assignment() {
    if (this.#groupMode) return this.#assignment;
    return { memberId: '', generation: 0n, partitions: this.#streams.partitions() };
  }

  /** The next offset (bigint) this consumer hands out for `partition`, if known. */
  position(partition) {
    this.#settle();
    return this.#positions.get(partition);
  }

  /**
   * Commits offsets ({partition: next offset} object or Map; default: the
   * positions after every record handed out) and resolves to the committed
   * Map<partition, bigint>. Commits are sent in order; those made while one
   * is in flight travel together in the next call. A group member leaves out
   * (with a debug line, NODE_DEBUG=eventlog) partitions it no longer owns, and
   * during a rebalance the commit may be deferred to the next assignment (also
   * left out); other failures reject (e.g. UNAVAILABLE).
   */
  commit(offsets, { metadata = '' } = {}) {
    if (this.#group === undefined) return Promise.reject(new TypeError('commit needs a group'));
    // Not an async function: a commit per record must not cost a Promise of its own.
    if (this.#started === null) return this.start().then(() => this.commit(offsets, { metadata }));
    if (offsets) return this.#committer.submit(this.#pending(new Map(offsetEntries(offsets)), metadata, false));
    this.#settle();
    return this.#committer.submit(this.#pending(this.#positions, metadata, true));
  }

  /** The group's committed offsets, Map<partition, bigint>. */
  async committed(partitions = []) {
    if (this.#group === undefined) throw new TypeError('committed offsets need a group');
    const request = { group: this.#group, topic: this.#topic, partitions };
    const response = await unary(this.#client, 'FetchCommittedOffsets', request, this.#timeoutMs);
    return new Map(response.offsets.map((o) => [o.partition, BigInt(o.offset)]));
  }

  /**
   * Makes `offset` the next record of `partition`. Explicit mode: restarts that
   * partition's stream. Group mode: the protocol has no per-member position, so
   * this commits `offset` for the partition and re-joins the group (a rebalance:
   * a new member id, so onRevoke and onAssign hear of every partition); other
   * partitions resume from their committed offsets. RangeError if `partition`
   * is not read (explicit) or not assigned (group).
   */
  async seek(partition, offset) {
    await this.start();
    this.#settle();
    const target = BigInt(offset);
    let stream = partition;
    let start = Start.offset(target);
    if (this.#groupMode) {
      if (!this.#assignment?.partitions.includes(partition)) {
        throw new RangeError(`partition ${partition} is not assigned to this consumer`);
      }
      await this.commit(new Map([[partition, target]]));
      stream = GROUP_STREAM;
      start = Start.COMMITTED;
    } else if (!this.#streams.partitions().includes(partition)) {
      throw new RangeError(`partition ${partition} is not read by this consumer`);
    }
    if (stream === GROUP_STREAM || this.#current.records[0]?.partition === partition) this.#current = EMPTY;
    this.#positions.set(partition, target);
    this.#streams.restart(stream, start);
  }

  /**
   * Group mode: onRevoke hears of every partition; then commits (with
   * autoCommit), stops the streams and ends the iteration. Idempotent.
   */
  async close() {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#started?.catch(() => {});
      const owned = this.#assignment?.partitions ?? [];
      if (owned.length > 0) {
        await this.#onRevoke?.(owned, this);
        this.emit('revoke', owned);
      }
      if (this.#autoCommit && this.#started) await this.#autoCommitNow();
      await this.#committer?.idle();
    } finally {
      this.#streams.close();
      if (this.#owned) this.#client.close();
    }
  }

  // --- internals ---------------------------------------------------------

  // Entries for the committer; fromPositions: the offsets are positions, tagged
  // with since when their partition was owned when they were read.
  #pending(offsets, metadata, fromPositions) {
    const since = fromPositions ? this.#positionSince : this.#ownedSince;
    const entries = new Map();
    for (const [p, offset] of offsets) {
      if (this.#groupMode && !this.#ownedSince.has(p)) {
        debug('%s/%s: not committing partition %d: not assigned to this member', this.#group, this.#topic, p);
        continue;
      }
      entries.set(p, { offset, since: this.#groupMode ? (since.get(p) ?? this.#ownedSince.get(p)) : 0, metadata });
    }
    return entries;
  }

  // Queues the positions that changed; failures are reported, never thrown.
  #autoCommitNow() {
    this.#nextAutoCommit = Date.now() + this.#autoCommitIntervalMs;
    this.#settle();
    const changed = new Map([...this.#positions].filter(([p, o]) => this.#committer.committed(p) !== o));
    if (changed.size === 0) return Promise.resolve();
    return this.#committer.submit(this.#pending(changed, '', true)).catch((error) => {
      process.emitWarning(`eventlog: ${this.#group}/${this.#topic}: auto-commit failed: ${error.message}`, {
        code: 'EVENTLOG_COMMIT',
      });
      this.#onError?.(error);
    });
  }

  #report(error) {
    process.emitWarning(`eventlog consumer of ${this.#topic}: ${error.details}`, { code: 'EVENTLOG_UNREACHABLE' });
    try {
      this.#onError?.(error);
    } catch (err) {
      process.emitWarning(`eventlog: onError threw: ${err?.message ?? err}`);
    }
  }

  async #startStreams() {
    if (this.#groupMode) {
      this.#streams.restart(GROUP_STREAM, this.#start ?? { kind: 'START_FROM_UNSPECIFIED' });
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
      const committed = await this.committed(partitions);
      const reset = { kind: RESET_TO[this.#resetTo] };
      starts = new Map(partitions.map((p) => [p, committed.has(p) ? Start.offset(committed.get(p)) : reset]));
    }
    if (this.#closed) return;
    for (const p of partitions) this.#streams.restart(p, starts.get(p));
  }
}
