// Producer: batches records per partition and pipelines them on one
// ProduceStream, resolving a Promise per record with its partition and offset.
//
// A batch is written when it holds `batchRecords` records or `batchBytes`
// bytes, or `lingerMs` after its first record; up to `maxInFlight` requests
// are outstanding on the stream and the broker answers them in order.
// Partitioning happens here, as in Kafka clients: a keyed record goes to
// partitionForKey(key, partitions) (the broker's own rule), a keyless one to
// a "sticky" partition that moves round-robin when its batch is closed; the
// partition count is read once per topic with DescribeTopic.
//
// This file is the batching half; sender.js sends closed batches. In a
// cluster, each batch goes on a ProduceStream to its partition's leader, found
// with GetMetadata (router.js); without a known leader it goes on the stream
// to the bootstrap broker, which forwards it. Failed requests are not retried
// (a retry could reorder records): their promises reject with the broker's
// EventLogError.
import { waitForBroker } from './connection.js';
import { createClient, openClient, unary } from './grpc.js';
import { partitionForKey } from './murmur2.js';
import { EMPTY, headerPairs, int64Value, toBytes } from './values.js';
import { ProduceBatch } from './produce_batch.js';
import { Router } from './router.js';
import { Sender } from './sender.js';
import { SendBatchGroup } from './send_batch_group.js';

const RECORD_OVERHEAD = 16; // rough protobuf framing per record, for batchBytes
const ACKS = { all: 2, leader: 1 }; // eventlog.v1.Acks numbers (wire.js encodes requests)

export class Producer {
  #client;
  #owned;
  #acks;
  #lingerMs;
  #batchRecords;
  #batchBytes;
  #timeoutMs;
  #connectTimeoutMs;
  #onError;
  #open = new Map(); // topic -> Map(partition -> open Batch)
  #last = null; // the batch the last record went to (most sends repeat it)
  #unsettled = new Set(); // batches not yet acknowledged or failed
  #router;
  #sender;
  #partitionCounts = new Map(); // topic -> number
  #metadata = new Map(); // topic -> Promise of the partition count, while loading
  #waiting = new Map(); // topic -> records sent while its metadata loads
  #sticky = new Map(); // topic -> partition of keyless records
  #closed = false;

  /**
   * @param target "host:port", or a client from createClient() that the caller closes.
   * @param options.acks 'all' (fsynced, default) or 'leader'.
   * @param options.connectTimeoutMs while the broker is unreachable, records wait
   *   this long for it (a short restart delays them instead of failing them), then
   *   reject with UNAVAILABLE naming the cause (connection refused, unknown host,
   *   no answer). Default 5 s.
   * @param options.onError (EventLogError) hears of each new cause as soon as it is
   *   seen; it is also printed as a process warning.
   * @param options.routeToLeaders in a cluster, send each partition's batches to its
   *   leader directly (default true; needs a "host:port[,...]" target: a client the
   *   caller made carries credentials the producer cannot copy). Otherwise the broker
   *   reached forwards them.
   */
  constructor(
    target,
    {
      acks = 'all',
      lingerMs = 5,
      batchRecords = 500,
      batchBytes = 1 << 20,
      maxInFlight = 16,
      timeoutMs = 30000,
      connectTimeoutMs = 5000,
      onError,
      routeToLeaders = true,
    } = {},
  ) {
    if (!(acks in ACKS)) throw new TypeError(`acks must be 'all' or 'leader', not ${acks}`);
    if (batchRecords < 1 || batchBytes < 1 || maxInFlight < 1 || lingerMs < 0) {
      throw new RangeError('batchRecords, batchBytes and maxInFlight must be >= 1, lingerMs >= 0');
    }
    [this.#client, this.#owned] = openClient(target);
    const routed = routeToLeaders && this.#owned;
    this.#router = new Router(this.#client, routed ? (address) => createClient(address) : null, Math.min(timeoutMs, connectTimeoutMs));
    this.#acks = ACKS[acks];
    this.#lingerMs = lingerMs;
    this.#batchRecords = batchRecords;
    this.#batchBytes = batchBytes;
    this.#timeoutMs = timeoutMs;
    this.#connectTimeoutMs = connectTimeoutMs;
    this.#onError = onError;
    this.#sender = new Sender(this.#client, this.#router, {
      acks: this.#acks,
      maxInFlight,
      timeoutMs,
      connectTimeoutMs,
      onUnreachable: (error) => this.#unreachable(error),
      onTopicGone: (topic) => this.#partitionCounts.delete(topic),
    });
  }

  /**
   * Queues one record. Resolves to {topic, partition, offset: bigint} once the
   * broker has stored it (per `acks`); rejects with EventLogError. Await it or
   * attach a catch: an unhandled rejection ends a Node process.
   * @param options.key Buffer | string; options.headers object, Map or [key, value] pairs;
   *   options.partition number (default: by key, else sticky); options.timestampMs number.
   */
  send(topic, value, options) {
    if (this.#closed) return Promise.reject(new Error('Producer is closed'));
    return new Promise((resolve, reject) => {
      const entry = this.#prepare(topic, value, options);
      entry.resolve = resolve;
      entry.reject = reject;
      this.#enqueue(entry);
    });
  }

  /**
   * Queues several records of `topic`, in order, with one Promise for all of
   * them: it resolves to their {topic, partition, offset} in the same order, or
   * rejects with the first failure. Each record is a value (Buffer, string,
   * null) or {value, key, headers, partition, timestampMs} as send() takes. A
   * record that is not valid rejects the whole call before anything is queued.
   */
  sendBatch(topic, records) {
    if (this.#closed) return Promise.reject(new Error('Producer is closed'));
    return new Promise((resolve, reject) => {
      const entries = records.map((r) => {
        if (r === null || typeof r !== 'object' || r instanceof Uint8Array) return this.#prepare(topic, r);
        if (!('value' in r)) throw new TypeError('a sendBatch record is a value or an object with a `value`');
        return this.#prepare(topic, r.value, r);
      });
      const group = new SendBatchGroup(entries.length, resolve, reject);
      if (entries.length === 0) resolve(group.results);
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i];
        entry.group = group;
        entry.at = i;
        this.#enqueue(entry);
      }
    });
  }

  // A record as the batches hold it (a value alone, when it has nothing else);
  // throws TypeError for values and keys that are not Buffer, Uint8Array,
  // string or null.
  #prepare(topic, value, options) {
    if (options === undefined) {
      const bytes = toBytes(value);
      return { topic, record: bytes, key: EMPTY, size: bytes.length + RECORD_OVERHEAD, partition: undefined, resolve: null, reject: null, group: null, at: 0 };
    }
    const { key, headers, partition, timestampMs = 0 } = options;
    const record = { key: toBytes(key, 'key'), value: toBytes(value), headers: headerPairs(headers), timestampMs: int64Value(timestampMs) };
    let size = record.key.length + record.value.length + RECORD_OVERHEAD;
    for (const [k, v] of record.headers) size += Buffer.byteLength(k) + v.length;
    return { topic, record, key: record.key, size, partition, resolve: null, reject: null, group: null, at: 0 };
  }

  #enqueue(entry) {
    const { topic, partition } = entry;
    if (this.#waiting.has(topic)) {
      this.#waiting.get(topic).push(entry); // keep the order of earlier sends
    } else if (partition !== undefined && partition !== null) {
      this.#append(entry, partition);
    } else {
      const count = this.#partitionCounts.get(topic);
      if (count !== undefined) {
        this.#route(entry, count);
      } else {
        this.#waiting.set(topic, [entry]);
        this.#loadMetadata(topic);
      }
    }
  }

  /**
   * Sends everything queued so far and resolves when each of those records is
   * acknowledged or failed (failures are reported by their own promises).
   */
  async flush() {
    await Promise.allSettled([...this.#metadata.values()]);
    const pending = [...this.#unsettled].map((b) => b.settled);
    for (const batches of [...this.#open.values()]) {
      for (const batch of [...batches.values()]) this.#closeBatch(batch);
    }
    await Promise.all(pending);
  }

  /** Sends what is pending, waits for it, then ends the stream and closes an owned client. */
  async close() {
    if (this.#closed) return;
    this.#closed = true;
    await this.flush();
    await this.#sender.close();
    this.#router.close();
    if (this.#owned) this.#client.close();
  }

  // --- internals ---------------------------------------------------------

  #loadMetadata(topic) {
    const timeoutMs = Math.min(this.#timeoutMs, this.#connectTimeoutMs);
    const loading = waitForBroker(this.#client, { timeoutMs, report: (e) => this.#unreachable(e) })
      .then((unreachable) => {
        if (unreachable) throw unreachable;
        return unary(this.#client, 'DescribeTopic', { name: topic }, this.#timeoutMs);
      })
      .then((description) => {
        const count = description.partitions.length;
        this.#partitionCounts.set(topic, count);
        return count;
      });
    this.#metadata.set(topic, loading);
    loading.then(
      (count) => {
        const entries = this.#waiting.get(topic) ?? [];
        this.#waiting.delete(topic);
        this.#metadata.delete(topic);
        for (const entry of entries) {
          if (entry.partition !== undefined && entry.partition !== null) this.#append(entry, entry.partition);
          else this.#route(entry, count);
        }
      },
      (error) => {
        const entries = this.#waiting.get(topic) ?? [];
        this.#waiting.delete(topic);
        this.#metadata.delete(topic);
        for (const entry of entries) {
          if (entry.group) entry.group.fail(error);
          else entry.reject(error);
        }
      },
    );
  }

  #route(entry, count) {
    if (entry.key.length > 0) {
      this.#append(entry, partitionForKey(entry.key, count));
      return;
    }
    let partition = this.#sticky.get(entry.topic);
    if (partition === undefined || !this.#openBatch(entry.topic, partition)) {
      partition = partition === undefined ? 0 : (partition + 1) % count;
      this.#sticky.set(entry.topic, partition);
    }
    this.#append(entry, partition);
  }

  #openBatch(topic, partition) {
    const last = this.#last;
    if (last !== null && !last.closed && last.partition === partition && last.topic === topic) return last;
    return this.#open.get(topic)?.get(partition);
  }

  #append(entry, partition) {
    let batch = this.#openBatch(entry.topic, partition);
    if (batch && batch.records.length > 0 && batch.size + entry.size > this.#batchBytes) {
      this.#closeBatch(batch);
      batch = undefined;
    }
    if (!batch) {
      batch = new ProduceBatch(entry.topic, partition);
      let batches = this.#open.get(entry.topic);
      if (!batches) {
        batches = new Map();
        this.#open.set(entry.topic, batches);
      }
      batches.set(partition, batch);
      this.#unsettled.add(batch);
      batch.settled.then(() => this.#unsettled.delete(batch));
      batch.timer = setTimeout(() => this.#closeBatch(batch), this.#lingerMs);
    }
    this.#last = batch;
    const index = batch.count++;
    batch.records.push(entry.record);
    const { group } = entry;
    if (group === null) {
      batch.singles.push(index, entry.resolve, entry.reject);
    } else {
      const span = batch.spans.at(-1);
      if (span?.group === group && span.at + span.count === entry.at) span.count++;
      else batch.spans.push({ from: index, group, count: 1, at: entry.at });
    }
    batch.size += entry.size;
    if (batch.count >= this.#batchRecords || batch.size >= this.#batchBytes) this.#closeBatch(batch);
  }

  #closeBatch(batch) {
    if (batch.closed) return;
    batch.closed = true;
    const batches = this.#open.get(batch.topic);
    batches.delete(batch.partition);
    if (batches.size === 0) this.#open.delete(batch.topic);
    clearTimeout(batch.timer);
    this.#sender.send(batch);
  }

  #unreachable(error) {
    process.emitWarning(`eventlog producer: ${error.details}`, { code: 'EVENTLOG_UNREACHABLE' });
    try {
      this.#onError?.(error);
    } catch (err) {
      process.emitWarning(`eventlog: onError threw: ${err?.message ?? err}`);
    }
  }
}
