// Admin: topic and consumer-group management over eventlog's unary RPCs.
// Every method returns a Promise and rejects with EventLogError: a broker that
// cannot be reached fails a call at once with gRPC's reason (connection
// refused, unknown host), or after connectTimeoutMs when the connection
// attempt hangs (a port that never answers).
import { CONNECT_TIMEOUT_MS } from './connection.js';
import { AlreadyExistsError } from './errors.js';
import { openClient, unary } from './grpc.js';
import { configToPb, groupDescriptionFromPb, int64, topicDescriptionFromPb } from './values.js';

export class Admin {
  #client;
  #owned;
  #timeoutMs;
  #connectTimeoutMs;

  /**
   * @param target "host:port", or a client from createClient() that the caller closes.
   * @param options.timeoutMs deadline of each call (default 30 s).
   * @param options.connectTimeoutMs how long a call waits for a connection attempt (default 5 s).
   */
  constructor(target, { timeoutMs = 30000, connectTimeoutMs = CONNECT_TIMEOUT_MS } = {}) {
    [this.#client, this.#owned] = openClient(target);
    this.#timeoutMs = timeoutMs;
    this.#connectTimeoutMs = connectTimeoutMs;
  }

  #call(method, request) {
    return unary(this.#client, method, request, this.#timeoutMs, { connectTimeoutMs: this.#connectTimeoutMs });
  }

  /**
   * Creates a topic; `partitions` 0 or absent takes the broker's
   * --default_partitions. replicationFactor: copies of each partition on
   * distinct brokers (above 1 only in a cluster with that many live brokers);
   * 0 or absent takes the broker's --default_replication_factor. ifNotExists:
   * an existing topic is described instead of ALREADY_EXISTS (its partitions
   * and config are left as they are).
   */
  async createTopic(name, { partitions = 0, replicationFactor = 0, config, ifNotExists = false } = {}) {
    const request = { name, partitions, replicationFactor };
    if (config) request.config = configToPb(config);
    try {
      return topicDescriptionFromPb(await this.#call('CreateTopic', request));
    } catch (err) {
      if (ifNotExists && err instanceof AlreadyExistsError) return this.describeTopic(name);
      throw err;
    }
  }

  async deleteTopic(name) {
    await this.#call('DeleteTopic', { name });
  }

  async listTopics() {
    const response = await this.#call('ListTopics', {});
    return response.topics.map((t) => ({ name: t.name, partitions: t.partitions }));
  }

  async describeTopic(name) {
    return topicDescriptionFromPb(await this.#call('DescribeTopic', { name }));
  }

  /**
   * Per partition: the earliest offset (at: 'earliest'), the high watermark
   * ('latest', the default), or for a Number timestamp in ms the first offset
   * whose timestamp is >= it. Returns Map<partition, bigint>.
   */
  async listOffsets(topic, { at = 'latest', partitions = [] } = {}) {
    const request = { topic, partitions };
    if (at === 'earliest') request.spec = 'OFFSET_SPEC_EARLIEST';
    else if (at === 'latest') request.spec = 'OFFSET_SPEC_LATEST';
    else if (typeof at === 'number' || typeof at === 'bigint') {
      request.spec = 'OFFSET_SPEC_TIMESTAMP';
      request.timestampMs = int64(at);
    } else throw new TypeError(`at must be 'earliest', 'latest' or a timestamp in ms, not ${at}`);
    const response = await this.#call('ListOffsets', request);
    return new Map(response.offsets.map((o) => [o.partition, BigInt(o.offset)]));
  }

  /** A group's committed offsets: Map<partition, {offset: bigint, metadata}>. */
  async fetchCommittedOffsets(group, topic, partitions = []) {
    const response = await this.#call('FetchCommittedOffsets', { group, topic, partitions });
    return new Map(response.offsets.map((o) => [o.partition, { offset: BigInt(o.offset), metadata: o.metadata }]));
  }

  async listGroups() {
    return [...(await this.#call('ListGroups', {})).groups];
  }

  async describeGroup(group) {
    return groupDescriptionFromPb(await this.#call('DescribeGroup', { group }));
  }

  /** Closes an owned client. Idempotent. */
  async close() {
    if (this.#owned) this.#client.close();
  }
}
