// Sender: the producer's sending half (as Kafka clients split the record
// accumulator from the sender). It takes closed batches in order, finds each
// partition's leader (router.js), and writes the batch on a ProduceStream to
// it, with up to `maxInFlight` requests outstanding over all streams; the
// broker answers each stream in order, and each answer settles its batch.
//
// When a partition's route changes, its next batch waits until the ones in
// flight on the old stream are answered, so a change of route never reorders
// its records. Failed requests are not retried (a retry could reorder
// records): their batches fail with the broker's EventLogError; the next batch
// opens a new stream if the old one broke.
import { Status, errorFromCode, fromServiceError } from './errors.js';
import { waitForBroker } from './connection.js';
import { decodeProduceResponse, encodeProduceRequest } from './wire.js';

const PRODUCE_STREAM = '/eventlog.v1.EventLog/ProduceStream';
const passThrough = (buffer) => buffer; // requests are encoded by wire.js

export class Sender {
  #client; // the bootstrap broker's
  #router;
  #acks;
  #maxInFlight;
  #timeoutMs;
  #connectTimeoutMs;
  #onUnreachable;
  #onTopicGone;
  #ready = []; // closed batches waiting for an in-flight slot
  #connecting = false; // waiting for the broker before opening a stream
  #routing = false; // waiting for a new topic's metadata before routing
  #streams = new Map(); // leader address (null: the bootstrap broker) -> {address, call, inflight: [{requestId, batch}]}
  #inFlightCount = 0; // requests in flight on all streams
  #routes = new Map(); // "topic\0partition" -> {address, count}: where its batches are in flight
  #nextRequestId = 1n;

  /**
   * @param options.onUnreachable (EventLogError) the bootstrap broker cannot be reached (the cause).
   * @param options.onTopicGone (topic) the broker no longer knows it (deleted or recreated).
   */
  constructor(client, router, { acks, maxInFlight, timeoutMs, connectTimeoutMs, onUnreachable, onTopicGone }) {
    this.#client = client;
    this.#router = router;
    this.#acks = acks;
    this.#maxInFlight = maxInFlight;
    this.#timeoutMs = timeoutMs;
    this.#connectTimeoutMs = connectTimeoutMs;
    this.#onUnreachable = onUnreachable;
    this.#onTopicGone = onTopicGone;
  }

  /** Queues a closed batch behind the others and sends what it can. */
  send(batch) {
    this.#ready.push(batch);
    this.#pump();
  }

  /** Ends every stream (once its batches are settled). */
  async close() {
    const streams = [...this.#streams.values()];
    this.#streams.clear();
    await Promise.all(streams.map((stream) => this.#endStream(stream)));
  }

  // Half-closes a stream and gives the broker a moment to end the call cleanly.
  async #endStream(stream) {
    let timer;
    const ended = new Promise((resolve) => {
      stream.call.on('status', resolve);
      stream.call.on('error', resolve);
      timer = setTimeout(resolve, this.#timeoutMs);
    });
    stream.call.end();
    await ended;
    clearTimeout(timer);
  }

  #pump() {
    while (!this.#connecting && !this.#routing && this.#ready.length > 0 && this.#inFlightCount < this.#maxInFlight) {
      const batch = this.#ready[0];
      const route = this.#router.route(batch.topic, batch.partition);
      if (route.pending) {
        this.#routing = true;
        route.pending.then(() => {
          this.#routing = false;
          this.#pump();
        });
        return;
      }
      const { address } = route;
      const key = `${batch.topic}\0${batch.partition}`;
      const current = this.#routes.get(key);
      if (current && current.address !== address) return; // the route changed: the old stream drains first (a response pumps again)
      const stream = this.#streams.get(address);
      if (!stream) {
        this.#connect(address);
        return;
      }
      this.#ready.shift();
      const requestId = this.#nextRequestId++;
      stream.inflight.push({ requestId, batch });
      if (current) current.count++;
      else this.#routes.set(key, { address, count: 1 });
      this.#inFlightCount++;
      stream.call.write(encodeProduceRequest(batch.topic, batch.partition, batch.records, this.#acks, requestId));
      batch.records = null; // encoded; the request holds the bytes
    }
  }

  // A batch is no longer in flight.
  #landed(batch) {
    const key = `${batch.topic}\0${batch.partition}`;
    const route = this.#routes.get(key);
    if (--route.count === 0) this.#routes.delete(key);
    this.#inFlightCount--;
  }

  // Waits for the broker (the bootstrap one up to connectTimeoutMs, so that a
  // short restart delays batches instead of failing them; a leader up to 1 s,
  // after which its batches go through the bootstrap broker), then opens a
  // stream.
  #connect(address) {
    this.#connecting = true;
    if (address !== null) {
      const timeoutMs = Math.min(1000, this.#connectTimeoutMs);
      waitForBroker(this.#router.client(address), { timeoutMs }).then((unreachable) => {
        this.#connecting = false;
        if (unreachable) this.#router.invalidate(address);
        else if (!this.#streams.has(address)) this.#openStream(address);
        this.#pump();
      });
      return;
    }
    const report = (e) => this.#onUnreachable(e);
    waitForBroker(this.#client, { timeoutMs: this.#connectTimeoutMs, report }).then((unreachable) => {
      this.#connecting = false;
      if (unreachable) {
        for (const batch of this.#ready.splice(0)) batch.fail(unreachable);
        return;
      }
      if (!this.#streams.has(null)) this.#openStream(null);
      this.#pump();
    });
  }

  #openStream(address) {
    const deserialize = decodeProduceResponse;
    const client = address === null ? this.#client : this.#router.client(address);
    const stream = { address, call: client.makeBidiStreamRequest(PRODUCE_STREAM, passThrough, deserialize), inflight: [] };
    this.#streams.set(address, stream);
    stream.call.on('data', (response) => {
      const head = stream.inflight.shift();
      if (!head) return;
      this.#landed(head.batch);
      this.#complete(head.batch, head.requestId, response);
      this.#pump();
    });
    const fail = (error) => {
      if (this.#streams.get(address) === stream) this.#streams.delete(address);
      this.#router.invalidate(address); // a broker went away, or leads something else now
      const failed = stream.inflight.splice(0);
      for (const { batch } of failed) {
        this.#landed(batch);
        batch.fail(error);
      }
      this.#pump();
    };
    stream.call.on('error', (err) => fail(fromServiceError(err)));
    stream.call.on('end', () => {
      if (stream.inflight.length > 0) {
        fail(errorFromCode(Status.UNAVAILABLE, 'produce stream ended with requests in flight'));
      } else if (this.#streams.get(address) === stream) {
        this.#streams.delete(address);
      }
    });
    return stream;
  }

  #complete(batch, requestId, response) {
    if (response.requestId !== requestId) {
      batch.fail(errorFromCode(Status.INTERNAL, `ProduceStream answered request ${response.requestId}, expected ${requestId}`));
      return;
    }
    if (response.errorCode !== 0) {
      if (response.errorCode === Status.NOT_FOUND) this.#onTopicGone(batch.topic);
      // e.g. "led by broker N at HOST:PORT": the leader moved
      if (response.errorCode === Status.NOT_FOUND || response.errorCode === Status.UNAVAILABLE) this.#router.invalidate();
      batch.fail(errorFromCode(response.errorCode, response.errorMessage));
      return;
    }
    const append = response.appends.find((a) => a.partition === batch.partition);
    const base = append ? append.baseOffset : 0n;
    if (!append || append.lastOffset - base + 1n !== BigInt(batch.count)) {
      batch.fail(errorFromCode(Status.INTERNAL, 'ProduceStream reply does not match the batch'));
      return;
    }
    batch.succeed(base);
  }
}
