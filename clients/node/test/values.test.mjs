// Conversions between the plain values and eventlog.v1 messages (no broker:
// the fields below are the proto's; the broker's tests cover their meaning).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configFromPb, configToPb, topicDescriptionFromPb } from '../src/values.js';

test('a topic config carries the timestamp type and bounds both ways', () => {
  const config = {
    retentionMs: 60000,
    timestampType: 'log_append_time',
    messageTimestampAfterMaxMs: 5000,
    messageTimestampBeforeMaxMs: -1,
  };
  const message = configToPb(config);
  assert.equal(message.timestampType, 'TIMESTAMP_TYPE_LOG_APPEND_TIME');
  assert.equal(message.messageTimestampAfterMaxMs, '5000');
  assert.equal(message.messageTimestampBeforeMaxMs, '-1');
  const back = configFromPb(message);
  assert.equal(back.timestampType, 'log_append_time');
  assert.equal(back.messageTimestampAfterMaxMs, 5000);
  assert.equal(back.messageTimestampBeforeMaxMs, -1);
  assert.throws(() => configToPb({ timestampType: 'now' }), TypeError);
});

test('a topic description carries the log end offset', () => {
  const d = topicDescriptionFromPb({
    name: 't',
    config: {},
    partitions: [{ partition: 0, logStartOffset: '1', highWatermark: '5', sizeBytes: '9', logEndOffset: '7' }],
  });
  assert.equal(d.partitions[0].logEndOffset, 7n);
});

test('a topic config and description carry the replication fields', () => {
  const message = configToPb({ minInsyncReplicas: 2, uncleanLeaderElectionEnable: true });
  assert.equal(message.minInsyncReplicas, 2);
  assert.equal(message.uncleanLeaderElectionEnable, true);
  const back = configFromPb(message);
  assert.equal(back.minInsyncReplicas, 2);
  assert.equal(back.uncleanLeaderElectionEnable, true);
  const d = topicDescriptionFromPb({
    name: 't',
    config: {},
    partitions: [
      { partition: 0, logStartOffset: '0', highWatermark: '0', sizeBytes: '0', leader: 2, leaderEpoch: 4, replicas: [2, 3, 1], isr: [2, 1] },
    ],
  });
  const p = d.partitions[0];
  assert.deepEqual([p.leader, p.leaderEpoch, p.replicas, p.isr], [2, 4, [2, 3, 1], [2, 1]]);
});
