// Type declarations of eventlog-client (written by hand; see src/).
// Offsets and generations are bigint; partitions, timestamps and sizes are number.

import type { EventEmitter } from 'node:events';
import type { Client, status } from '@grpc/grpc-js';

export type Bytes = Buffer | Uint8Array | string;
/** Headers as an object, a Map, or ordered [key, value] pairs (keys may repeat). */
export type HeadersInit = { [key: string]: Bytes } | Map<string, Bytes> | Array<[string, Bytes]>;
export type Offsets = Map<number, bigint | number> | { [partition: number]: bigint | number };

/** gRPC status codes (the `code` of an EventLogError). */
export declare const Status: typeof status;

export declare class EventLogError extends Error {
  constructor(code: number, details: string);
  /** The gRPC status code, e.g. Status.NOT_FOUND. */
  readonly code: number;
  /** Its name, e.g. "NOT_FOUND". */
  readonly codeName: string;
  /** The broker's message. */
  readonly details: string;
  /** Whether the same call may succeed later: UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED. */
  readonly retriable: boolean;
}
/** One subclass per code the broker uses (as in the Python client). */
export declare class InvalidArgumentError extends EventLogError {}
export declare class NotFoundError extends EventLogError {}
export declare class AlreadyExistsError extends EventLogError {}
export declare class OutOfRangeError extends EventLogError {}
export declare class ResourceExhaustedError extends EventLogError {}
export declare class FailedPreconditionError extends EventLogError {}
export declare class UnavailableError extends EventLogError {}
export declare class DataLossError extends EventLogError {}
export declare class UnauthenticatedError extends EventLogError {}
export declare class PermissionDeniedError extends EventLogError {}
export declare class DeadlineExceededError extends EventLogError {}
export declare class CancelledError extends EventLogError {}
export declare class UnimplementedError extends EventLogError {}

/** A raw eventlog.v1.EventLog client; share it between Admin/Producer/Consumer and close it yourself. */
export type EventLogClient = Client;
/** TLS, mutual TLS and bearer-token options of createClient (all optional). */
export interface ClientSecurity {
  /** TLS with the system roots (implied by caFile/certFile). */
  tls?: boolean;
  /** PEM CA file that signed the broker's certificate. */
  caFile?: string;
  /** PEM client certificate and key, for brokers that require mutual TLS. */
  certFile?: string;
  keyFile?: string;
  /** Sent as "authorization: Bearer <token>" with every call. */
  token?: string;
}
/** target: "host:port", or "host1:port1,host2:port2" to fail over between brokers. */
export declare function createClient(target: string, security?: ClientSecurity): EventLogClient;
/** "host:port", a list "host1:port1,host2:port2", or a client from createClient() (then you close it). */
export type Target = string | EventLogClient;

export declare function murmur2(data: Bytes): number;
export declare function partitionForKey(key: Bytes, partitions: number): number;

/** A consumed record. */
export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: bigint;
  /** Empty when the record has no key. */
  key: Buffer;
  value: Buffer;
  headers: Array<[string, Buffer]>;
  timestampMs: number;
}

export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: bigint;
}

export type CleanupPolicy = 'delete' | 'compact';

/** 0 (or absent) = server default; for retention, -1 = unlimited. */
/** Which timestamp a topic's records keep (Kafka's message.timestamp.type). */
export type TimestampType = 'create_time' | 'log_append_time';

/** 0 = server default; for retention and the timestamp bounds, -1 = unlimited. */
export interface TopicConfig {
  retentionMs?: number;
  retentionBytes?: number;
  cleanupPolicy?: CleanupPolicy;
  maxMessageBytes?: number;
  segmentBytes?: number;
  segmentMs?: number;
  deleteRetentionMs?: number;
  timestampType?: TimestampType;
  /** A create-time record stamped further in the future is refused (INVALID_ARGUMENT). */
  messageTimestampAfterMaxMs?: number;
  /** A create-time record stamped further in the past is refused (INVALID_ARGUMENT). */
  messageTimestampBeforeMaxMs?: number;
  /**
   * In-sync replicas an acks 'all' send needs (at most the replication
   * factor; 0 = the broker's --min_insync_replicas).
   */
  minInsyncReplicas?: number;
  /**
   * With no live in-sync replica, elect an out-of-sync one: available again,
   * losing the acknowledged records it lacks. Default false.
   */
  uncleanLeaderElectionEnable?: boolean;
}

export interface PartitionInfo {
  partition: number;
  logStartOffset: bigint;
  highWatermark: bigint;
  sizeBytes: number;
  /** Records in [highWatermark, logEndOffset) are written but not yet durable. */
  logEndOffset: bigint;
  /** Broker id of the partition's leader; -1 while it has none. */
  leader: number;
  /** Bumped by every change of leader (0 on a single broker). */
  leaderEpoch: number;
  /** Broker ids holding a copy (the first is the preferred leader). */
  replicas: number[];
  /** The replicas in sync with the leader. */
  isr: number[];
}

export interface TopicDescription {
  name: string;
  config: Required<Omit<TopicConfig, 'cleanupPolicy' | 'timestampType'>> & {
    cleanupPolicy: CleanupPolicy | 'unspecified';
    timestampType: TimestampType | 'unspecified';
  };
  partitions: PartitionInfo[];
}

export interface TopicSummary {
  name: string;
  partitions: number;
}

export interface CommittedOffset {
  offset: bigint;
  metadata: string;
}

export interface GroupDescription {
  group: string;
  generation: bigint;
  members: Array<{ memberId: string; topic: string; partitions: number[] }>;
  lags: Array<{ topic: string; partition: number; committedOffset: bigint; highWatermark: bigint; lag: bigint }>;
}

export interface Assignment {
  memberId: string;
  generation: bigint;
  partitions: number[];
}

export declare class Admin {
  /** timeoutMs: deadline of each call (30 s); connectTimeoutMs: how long a call waits for a connection attempt (5 s). */
  constructor(target: Target, options?: { timeoutMs?: number; connectTimeoutMs?: number });
  /**
   * partitions 0 or absent: the broker's --default_partitions. replicationFactor: copies of
   * each partition on distinct brokers (above 1 only in a cluster); 0 or absent: the broker's
   * --default_replication_factor. ifNotExists: describe an existing topic instead of
   * rejecting with AlreadyExistsError.
   */
  createTopic(
    name: string,
    options?: { partitions?: number; replicationFactor?: number; config?: TopicConfig; ifNotExists?: boolean },
  ): Promise<TopicDescription>;
  deleteTopic(name: string): Promise<void>;
  listTopics(): Promise<TopicSummary[]>;
  describeTopic(name: string): Promise<TopicDescription>;
  /** at: 'earliest', 'latest' (default) or a timestamp in ms. */
  listOffsets(
    topic: string,
    options?: { at?: 'earliest' | 'latest' | number; partitions?: number[] },
  ): Promise<Map<number, bigint>>;
  fetchCommittedOffsets(group: string, topic: string, partitions?: number[]): Promise<Map<number, CommittedOffset>>;
  listGroups(): Promise<string[]>;
  describeGroup(group: string): Promise<GroupDescription>;
  close(): Promise<void>;
}

export type Acks = 'all' | 'leader';

export interface ProducerOptions {
  /** 'all' (fsynced, default) or 'leader'. */
  acks?: Acks;
  lingerMs?: number;
  batchRecords?: number;
  batchBytes?: number;
  maxInFlight?: number;
  /** Deadline of the metadata lookup (DescribeTopic). */
  timeoutMs?: number;
  /** How long records wait for an unreachable broker before failing with UNAVAILABLE and the cause. */
  connectTimeoutMs?: number;
  /** Hears of each new reason the broker cannot be reached (also a process warning). */
  onError?: (error: EventLogError) => void;
  /**
   * In a cluster, send each partition's batches to its leader (from GetMetadata) rather
   * than through the broker reached, which forwards them. Default true; only with a
   * "host:port[,...]" target.
   */
  routeToLeaders?: boolean;
}

export interface SendOptions {
  key?: Bytes | null;
  headers?: HeadersInit;
  /** Default: by key (Kafka murmur2), else a sticky round-robin partition. */
  partition?: number;
  /** 0 = the broker's append time. */
  timestampMs?: number;
}

/** A record for sendBatch: its value alone, or the value with send()'s options. */
export type BatchRecord = Bytes | null | ({ value: Bytes | null } & SendOptions);

export declare class Producer {
  constructor(target: Target, options?: ProducerOptions);
  /** TypeError (a rejection) for a value or key that is not Buffer, Uint8Array, string or null. */
  send(topic: string, value: Bytes | null, options?: SendOptions): Promise<RecordMetadata>;
  /** Several records with one Promise: their metadata in order, or the first failure. */
  sendBatch(topic: string, records: BatchRecord[]): Promise<RecordMetadata[]>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export type StartKind =
  | 'START_FROM_UNSPECIFIED'
  | 'START_FROM_EARLIEST'
  | 'START_FROM_LATEST'
  | 'START_FROM_OFFSET'
  | 'START_FROM_TIMESTAMP'
  | 'START_FROM_COMMITTED';

export interface StartPosition {
  readonly kind: StartKind;
  readonly offset?: bigint;
  readonly timestampMs?: number;
}

export declare const Start: {
  readonly EARLIEST: StartPosition;
  readonly LATEST: StartPosition;
  readonly COMMITTED: StartPosition;
  offset(offset: bigint | number): StartPosition;
  timestamp(timestampMs: number): StartPosition;
};

export interface ConsumerOptions {
  /** Group mode when `partitions` is absent; otherwise only where commits go. */
  group?: string;
  partitions?: number[] | 'all';
  /** Default: COMMITTED in group mode, LATEST otherwise. */
  start?: StartPosition;
  /** Where COMMITTED starts on a partition with no commit: 'latest' (default, as in Kafka) or 'earliest'. */
  resetTo?: 'earliest' | 'latest';
  /** Default: true in group mode. Commits the positions handed out every autoCommitIntervalMs (5 s) and on close(). */
  autoCommit?: boolean;
  autoCommitIntervalMs?: number;
  /** Partitions added by a rebalance (after every one, possibly []); awaited before records of the new assignment. */
  onAssign?: RebalanceListener;
  /** Partitions taken away (only when some are; close() revokes all); awaited. */
  onRevoke?: RebalanceListener;
  /** The broker cannot be reached (with the cause), or an autoCommit failed; also a process warning. */
  onError?: (error: EventLogError) => void;
  /** poll() rejects with UnavailableError (and the cause) if the broker is not reached within this (30 s). */
  connectTimeoutMs?: number;
  maxBatchRecords?: number;
  /** Buffered batches before the streams are paused. */
  highWaterMark?: number;
  /** [initial, maximum] reconnect delay. */
  reconnectBackoffMs?: [number, number];
  timeoutMs?: number;
}

export type RebalanceListener = (partitions: number[], consumer: Consumer) => void | Promise<void>;

export declare class Consumer extends EventEmitter implements AsyncIterable<ConsumerRecord> {
  constructor(target: Target, topic: string, options?: ConsumerOptions);
  on(event: 'assign' | 'revoke', listener: (partitions: number[]) => void): this;
  once(event: 'assign' | 'revoke', listener: (partitions: number[]) => void): this;
  off(event: 'assign' | 'revoke', listener: (partitions: number[]) => void): this;
  start(): Promise<void>;
  [Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord, void, undefined>;
  poll(timeoutMs?: number): Promise<ConsumerRecord | null>;
  readonly assignment: Assignment | null;
  position(partition: number): bigint | undefined;
  commit(offsets?: Offsets, options?: { metadata?: string }): Promise<Map<number, bigint>>;
  committed(partitions?: number[]): Promise<Map<number, bigint>>;
  seek(partition: number, offset: bigint | number): Promise<void>;
  close(): Promise<void>;
}
