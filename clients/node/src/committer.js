// Committer: a consumer's offset commits, batched, ordered and rebalance-safe.
//
// Every commit (commit(), autoCommit, seek in group mode) goes through one
// Committer. Requests wait in one pending map (partition -> offset: a later
// commit of a partition replaces an earlier one) and are sent one
// CommitOffsets call at a time, so commits reach the broker in the order they
// were made and the commits made while one is in flight travel together in
// the next call. A broker without CommitOffsets (UNIMPLEMENTED) gets one
// CommitOffset per partition.
//
// Group members (with an Ownership) commit with the member id and generation
// of the latest assignment, and only positions taken while the partition has
// been owned without a break (see ownership.js); others are dropped with a
// warning, since another member may have committed further meanwhile. When
// the broker refuses a commit because a rebalance is in progress
// (FAILED_PRECONDITION: the generation just ended, or a partition is being
// revoked), nothing is thrown: the commit is deferred, sent again once the
// next assignment arrives for the partitions still owned, and dropped with a
// warning for the others.
import { Status } from './errors.js';
import { unary } from './grpc.js';
import { int64 } from './values.js';

export class Committer {
  #client;
  #group;
  #topic;
  #ownership;
  #timeoutMs;
  #log;
  #batched = true; // CommitOffsets is available
  #pending = new Map(); // partition -> {offset, since, metadata}
  #waiters = []; // {resolve, reject} of the commits in #pending
  #deferred = new Map(); // refused during a rebalance, retried with the next assignment
  #fencedSeq = -1; // the broker refused this assignment's generation
  #committed = new Map(); // partition -> offset this consumer committed last
  #draining = null; // the send loop, while it runs

  /**
   * @param ownership an Ownership (group members) or null (generation 0).
   * @param log (message) => void, for dropped and deferred commits.
   */
  constructor(client, group, topic, ownership, timeoutMs, log) {
    this.#client = client;
    this.#group = group;
    this.#topic = topic;
    this.#ownership = ownership;
    this.#timeoutMs = timeoutMs;
    this.#log = log;
    ownership?.onUpdate(() => {
      if (this.#deferred.size === 0) return;
      for (const [p, entry] of this.#deferred) if (!this.#pending.has(p)) this.#pending.set(p, entry);
      this.#deferred.clear();
      this.#drain();
    });
  }

  /**
   * Queues entries (Map partition -> {offset: bigint, since, metadata});
   * resolves to Map<partition, bigint> as committed by the call that carried
   * them (deferred or dropped partitions absent), or rejects with the
   * broker's EventLogError.
   */
  submit(entries) {
    for (const [p, entry] of entries) this.#pending.set(p, entry);
    // Commits queued together travel in one call and share its Promise.
    if (this.#waiters.length === 0) {
      let waiter;
      const promise = new Promise((resolve, reject) => {
        waiter = { resolve, reject, promise: null };
      });
      waiter.promise = promise;
      this.#waiters.push(waiter);
      this.#drain();
    }
    return this.#waiters[0].promise;
  }

  /** The offset this consumer last committed for `partition`. */
  committed(partition) {
    return this.#committed.get(partition);
  }

  /** Drops what is queued for revoked partitions, with a warning. */
  forget(partitions) {
    const dropped = [];
    for (const p of partitions) {
      this.#committed.delete(p);
      for (const queue of [this.#pending, this.#deferred]) {
        if (queue.has(p)) dropped.push(`${p}: ${queue.get(p).offset}`);
        queue.delete(p);
      }
    }
    if (dropped.length > 0) {
      this.#log(`commit of {${dropped.join(', ')}} dropped: the partitions were revoked (their new owner resumes from the group's committed offsets)`);
    }
  }

  /** Resolves once everything queued has been sent. */
  async idle() {
    while (this.#draining) await this.#draining;
  }

  #drain() {
    if (this.#draining) return;
    // A microtask later, so that the commits made meanwhile join this call.
    this.#draining = Promise.resolve()
      .then(() => this.#run())
      .finally(() => {
        this.#draining = null;
        // A commit made between the loop's last check and here (an awaiting
        // caller resumes before this runs) found the loop still marked as
        // running: start it again rather than leave that commit waiting.
        if (this.#pending.size > 0 || this.#waiters.length > 0) this.#drain();
      });
  }

  async #run() {
    while (this.#pending.size > 0 || this.#waiters.length > 0) {
      const batch = this.#pending;
      const waiters = this.#waiters;
      this.#pending = new Map();
      this.#waiters = [];
      try {
        const result = await this.#commit(batch);
        for (const w of waiters) w.resolve(new Map(result));
      } catch (err) {
        for (const w of waiters) w.reject(err);
      }
    }
  }

  async #commit(batch) {
    if (batch.size === 0) return new Map(); // a commit() with no new position: nothing to send
    if (!this.#ownership) {
      await this.#send(batch, '', 0n);
      return this.#record(batch);
    }
    for (;;) {
      const { seq, assignment } = this.#ownership;
      const keep = new Map([...batch].filter(([p, e]) => this.#ownership.since(p) === e.since));
      const dropped = [...batch].filter(([p]) => !keep.has(p)).map(([p, e]) => `${p}: ${e.offset}`);
      if (dropped.length > 0) {
        this.#log(`commit of {${dropped.join(', ')}} dropped: this member no longer owns those partitions (or lost them in between), and their new owner may have committed further`);
      }
      if (keep.size === 0 || !assignment) return new Map();
      if (this.#fencedSeq !== seq) {
        try {
          await this.#send(keep, assignment.memberId, assignment.generation);
          return this.#record(keep);
        } catch (err) {
          if (err.code !== Status.FAILED_PRECONDITION) throw err;
          if (this.#ownership.seq !== seq) {
            batch = keep; // a newer assignment arrived meanwhile: filter again
            continue;
          }
          const offsets = [...keep].map(([p, e]) => `${p}: ${e.offset}`).join(', ');
          this.#log(`commit of {${offsets}} deferred until the next assignment: ${err.details}`);
        }
      }
      this.#fencedSeq = seq;
      for (const [p, entry] of keep) this.#deferred.set(p, entry);
      return new Map();
    }
  }

  #record(sent) {
    const offsets = new Map([...sent].map(([p, e]) => [p, e.offset]));
    for (const [p, o] of offsets) this.#committed.set(p, o);
    return offsets;
  }

  async #send(entries, memberId, generation) {
    const sorted = [...entries].sort(([a], [b]) => a - b);
    if (this.#batched) {
      const request = {
        group: this.#group,
        topic: this.#topic,
        generation: int64(generation),
        memberId,
        offsets: sorted.map(([partition, e]) => ({ partition, offset: int64(e.offset), metadata: e.metadata })),
      };
      try {
        await unary(this.#client, 'CommitOffsets', request, this.#timeoutMs);
        return;
      } catch (err) {
        if (err.code !== Status.UNIMPLEMENTED) throw err;
        this.#batched = false;
      }
    }
    const results = await Promise.allSettled(
      sorted.map(([partition, e]) =>
        unary(
          this.#client,
          'CommitOffset',
          { group: this.#group, topic: this.#topic, partition, offset: int64(e.offset), metadata: e.metadata, generation: int64(generation), memberId },
          this.#timeoutMs,
        ),
      ),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
