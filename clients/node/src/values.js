// Conversions between the plain JavaScript values of the public API and the
// messages of eventlog.v1 as loaded by @grpc/proto-loader (camelCase fields,
// int64 as strings, enums as names). Offsets and generations are BigInt;
// other int64 values (timestamps, sizes, durations) are Numbers.

/** The empty Buffer (shared: never written to). */
export const EMPTY = Buffer.alloc(0);

/** Buffer for a key/value/header value given as Buffer, Uint8Array, string or null. */
export function toBytes(data, what = 'value') {
  if (data === undefined || data === null) return EMPTY;
  if (typeof data === 'string') return Buffer.from(data);
  if (data instanceof Uint8Array) return data;
  throw new TypeError(`a record's ${what} must be a Buffer, Uint8Array, string or null, not ${typeof data}`);
}

const NO_HEADERS = Object.freeze([]);

/** Headers given as an object, a Map or [key, value] pairs (keys may repeat), as [string, bytes] pairs. */
export function headerPairs(headers) {
  if (!headers) return NO_HEADERS;
  const entries = Array.isArray(headers) ? headers : headers instanceof Map ? [...headers] : Object.entries(headers);
  return entries.map(([key, value]) => [String(key), toBytes(value, 'header value')]);
}

/** An int64 value for the wire encoder (wire.js): a safe-integer Number or a BigInt. */
export function int64Value(value) {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not a safe integer`);
    return value;
  }
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  throw new TypeError(`not an integer: ${value}`);
}

/** An int64 field for a request: BigInt is sent as a decimal string. */
export function int64(value) {
  if (value === undefined || value === null) return '0';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not a safe integer`);
    return String(value);
  }
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return value;
  throw new TypeError(`not an integer: ${value}`);
}

const POLICY_TO_PB = { delete: 'CLEANUP_POLICY_DELETE', compact: 'CLEANUP_POLICY_COMPACT' };
const POLICY_FROM_PB = { CLEANUP_POLICY_DELETE: 'delete', CLEANUP_POLICY_COMPACT: 'compact' };

const TIMESTAMP_TYPE_TO_PB = {
  create_time: 'TIMESTAMP_TYPE_CREATE_TIME',
  log_append_time: 'TIMESTAMP_TYPE_LOG_APPEND_TIME',
};
const TIMESTAMP_TYPE_FROM_PB = {
  TIMESTAMP_TYPE_CREATE_TIME: 'create_time',
  TIMESTAMP_TYPE_LOG_APPEND_TIME: 'log_append_time',
};

export function configToPb(config = {}) {
  const policy = config.cleanupPolicy;
  if (policy !== undefined && !(policy in POLICY_TO_PB)) {
    throw new TypeError(`cleanupPolicy must be 'delete' or 'compact', not ${policy}`);
  }
  const timestampType = config.timestampType;
  if (timestampType !== undefined && !(timestampType in TIMESTAMP_TYPE_TO_PB)) {
    throw new TypeError(`timestampType must be 'create_time' or 'log_append_time', not ${timestampType}`);
  }
  return {
    retentionMs: int64(config.retentionMs),
    retentionBytes: int64(config.retentionBytes),
    cleanupPolicy: policy ? POLICY_TO_PB[policy] : 'CLEANUP_POLICY_UNSPECIFIED',
    maxMessageBytes: config.maxMessageBytes ?? 0,
    segmentBytes: int64(config.segmentBytes),
    segmentMs: int64(config.segmentMs),
    deleteRetentionMs: int64(config.deleteRetentionMs),
    timestampType: timestampType ? TIMESTAMP_TYPE_TO_PB[timestampType] : 'TIMESTAMP_TYPE_UNSPECIFIED',
    messageTimestampAfterMaxMs: int64(config.messageTimestampAfterMaxMs),
    messageTimestampBeforeMaxMs: int64(config.messageTimestampBeforeMaxMs),
    minInsyncReplicas: config.minInsyncReplicas ?? 0,
    uncleanLeaderElectionEnable: config.uncleanLeaderElectionEnable ?? false,
  };
}

export function configFromPb(c) {
  return {
    retentionMs: Number(c.retentionMs),
    retentionBytes: Number(c.retentionBytes),
    cleanupPolicy: POLICY_FROM_PB[c.cleanupPolicy] ?? 'unspecified',
    maxMessageBytes: c.maxMessageBytes,
    segmentBytes: Number(c.segmentBytes),
    segmentMs: Number(c.segmentMs),
    deleteRetentionMs: Number(c.deleteRetentionMs),
    timestampType: TIMESTAMP_TYPE_FROM_PB[c.timestampType] ?? 'unspecified',
    messageTimestampAfterMaxMs: Number(c.messageTimestampAfterMaxMs ?? 0),
    messageTimestampBeforeMaxMs: Number(c.messageTimestampBeforeMaxMs ?? 0),
    minInsyncReplicas: c.minInsyncReplicas ?? 0,
    uncleanLeaderElectionEnable: c.uncleanLeaderElectionEnable ?? false,
  };
}

export function topicDescriptionFromPb(d) {
  return {
    name: d.name,
    config: configFromPb(d.config ?? {}),
    partitions: d.partitions.map((p) => ({
      partition: p.partition,
      logStartOffset: BigInt(p.logStartOffset),
      highWatermark: BigInt(p.highWatermark),
      sizeBytes: Number(p.sizeBytes),
      logEndOffset: BigInt(p.logEndOffset ?? 0),
      leader: p.leader ?? 0,
      leaderEpoch: p.leaderEpoch ?? 0,
      replicas: [...(p.replicas ?? [])],
      isr: [...(p.isr ?? [])],
    })),
  };
}

export function groupDescriptionFromPb(d) {
  return {
    group: d.group,
    generation: BigInt(d.generation),
    members: d.members.map((m) => ({ memberId: m.memberId, topic: m.topic, partitions: [...m.partitions] })),
    lags: d.lags.map((l) => ({
      topic: l.topic,
      partition: l.partition,
      committedOffset: BigInt(l.committedOffset),
      highWatermark: BigInt(l.highWatermark),
      lag: BigInt(l.lag),
    })),
  };
}

/** {partition: offset} objects and Maps alike, as [partition, BigInt] pairs. */
export function offsetEntries(offsets) {
  const entries = offsets instanceof Map ? [...offsets] : Object.entries(offsets);
  return entries.map(([p, o]) => [Number(p), BigInt(o)]);
}
