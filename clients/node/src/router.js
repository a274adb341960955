// Router: partition leaders from GetMetadata and one client per broker
// address, so that the Producer sends each partition's batches straight to
// its leader (as Kafka clients do) instead of through the broker it reached,
// which would forward them (docs/CLUSTER.md, "Forward or redirect").
//
// Routing is an optimisation: every broker accepts every call, so whenever
// the leader is not known (no metadata yet, a partition without a leader, a
// broker whose stream just failed, a single broker, a broker too old for
// GetMetadata) route() answers null and the caller uses its bootstrap client,
// exactly as without routing.
//
// Metadata is read when a topic is not in it yet, and again (at most once per
// BACKOFF_MS) when it is older than MAX_AGE_MS and after invalidate() (a
// failed stream, an UNAVAILABLE answer): Kafka's metadata.max.age.ms and
// retry.backoff.ms. Used on Node's single thread.
import { Status } from './errors.js';
import { unary } from './grpc.js';

const MAX_AGE_MS = 30000;
const BACKOFF_MS = 200;
// How long an address whose stream or connection failed is not routed to
// (batches go through the bootstrap broker meanwhile, which forwards them or
// says why it cannot). Short: a restarted leader is used again soon, and a dead
// one is named by the metadata only until its lease expires.
const DOWN_MS = 1000;

export class Router {
  #bootstrap;
  #makeClient;
  #timeoutMs;
  #leaders = new Map(); // "topic\0partition" -> address
  #topics = new Set(); // topics asked about
  #readAt = -Infinity; // Date.now() of the last answer
  #triedAt = -Infinity; // of the last request
  #stale = false;
  #down = new Map(); // address -> Date.now() it may be used again
  #clients = new Map(); // address -> client
  #refreshing = null; // Promise while a GetMetadata call is out
  #enabled;
  refreshes = 0; // answers applied (for tests)

  /**
   * @param bootstrap the client GetMetadata is asked on.
   * @param makeClient (address) => client, or null: routing off (a client the
   *   caller made carries credentials this one cannot copy).
   */
  constructor(bootstrap, makeClient, timeoutMs) {
    this.#bootstrap = bootstrap;
    this.#makeClient = makeClient;
    this.#timeoutMs = timeoutMs;
    this.#enabled = makeClient !== null;
  }

  /**
   * {address} of the partition's leader (null: use the bootstrap client), or
   * {pending: Promise} while the metadata of a topic not yet known is read
   * (call again once it settles). Starts a refresh in the background when
   * one is due.
   */
  route(topic, partition) {
    if (!this.#enabled) return { address: null };
    const now = Date.now();
    const known = this.#topics.has(topic);
    const due = !known || this.#stale || now - this.#readAt > MAX_AGE_MS;
    // A new topic is looked up at once: its first batches would otherwise all be forwarded.
    if (due && this.#refreshing === null && (!known || now - this.#triedAt >= BACKOFF_MS)) {
      this.#topics.add(topic);
      this.#refresh();
    }
    if (!known && this.#refreshing !== null) return { pending: this.#refreshing };
    const address = this.#leaders.get(`${topic}\0${partition}`) ?? null;
    if (address === null || (this.#down.get(address) ?? 0) > now) return { address: null };
    return { address };
  }

  /** The client for `address`: made once, closed by close(). */
  client(address) {
    let client = this.#clients.get(address);
    if (!client) {
      client = this.#makeClient(address);
      this.#clients.set(address, client);
    }
    return client;
  }

  /** Reads metadata again soon; a broker whose stream failed is avoided for a while. */
  invalidate(failedAddress = null) {
    this.#stale = true;
    if (failedAddress !== null) this.#down.set(failedAddress, Date.now() + DOWN_MS);
  }

  close() {
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  #refresh() {
    this.#triedAt = Date.now();
    const request = { topics: [...this.#topics].sort() };
    this.#refreshing = unary(this.#bootstrap, 'GetMetadata', request, this.#timeoutMs)
      .then(
        (response) => this.#apply(response),
        (error) => {
          if (error.code === Status.UNIMPLEMENTED) this.#enabled = false; // a broker older than GetMetadata
          else if (error.code === Status.NOT_FOUND) this.#topics.clear(); // a topic was deleted
        },
      )
      .finally(() => {
        this.#refreshing = null;
      });
  }

  #apply(response) {
    const leaders = new Map();
    // One broker leads everything, and the address it advertises may not be
    // the one this client reaches it at: keep to the latter.
    if (response.brokers.length > 1) {
      const addresses = new Map(response.brokers.map((b) => [b.id, b.address]));
      for (const topic of response.topics) {
        for (const p of topic.partitions) {
          const address = addresses.get(p.leader);
          if (address) leaders.set(`${topic.name}\0${p.partition}`, address);
        }
      }
    }
    this.#leaders = leaders;
    this.#readAt = Date.now();
    this.#stale = false;
    this.refreshes++;
  }
}
