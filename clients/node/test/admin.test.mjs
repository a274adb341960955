// Admin against a real eventlogd: topics, offsets, groups and error codes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Admin, AlreadyExistsError, Consumer, EventLogError, NotFoundError, Producer, Start, Status } from '../src/index.js';
import { topicName, useBroker } from './broker.mjs';

describe('Admin', () => {
  let broker;
  let admin;
  useBroker((started, connected) => {
    broker = started;
    admin = connected;
  });

  test('create, describe, list and delete a topic', async () => {
    const name = topicName('crud');
    const created = await admin.createTopic(name, {
      partitions: 3,
      config: { retentionMs: 3_600_000, cleanupPolicy: 'delete' },
    });
    assert.equal(created.name, name);
    assert.deepEqual(
      created.partitions.map((p) => p.partition),
      [0, 1, 2],
    );
    assert.equal(created.config.retentionMs, 3_600_000);
    assert.equal(created.config.cleanupPolicy, 'delete');

    const described = await admin.describeTopic(name);
    assert.ok(described.partitions.every((p) => p.logStartOffset === 0n && p.highWatermark === 0n));
    assert.ok(described.config.maxMessageBytes > 0);

    const listed = await admin.listTopics();
    assert.equal(listed.find((t) => t.name === name)?.partitions, 3);

    await admin.deleteTopic(name);
    assert.ok(!(await admin.listTopics()).some((t) => t.name === name));
    await assert.rejects(admin.describeTopic(name), (err) => {
      assert.ok(err instanceof EventLogError);
      assert.equal(err.code, Status.NOT_FOUND);
      assert.equal(err.codeName, 'NOT_FOUND');
      assert.match(err.details, new RegExp(name));
      return true;
    });
  });

  test('errors carry the gRPC code', async () => {
    const name = topicName('errors');
    await admin.createTopic(name);
    await assert.rejects(admin.createTopic(name), { code: Status.ALREADY_EXISTS });
    await assert.rejects(admin.createTopic('bad name'), { code: Status.INVALID_ARGUMENT });
    await assert.rejects(admin.createTopic('..'), { code: Status.INVALID_ARGUMENT });
    await assert.rejects(admin.deleteTopic(`${name}-missing`), { code: Status.NOT_FOUND });
    assert.throws(() => new Admin(42), TypeError);
  });

  test('createTopic ifNotExists, and errors are subclasses with a retriable flag', async () => {
    const name = topicName('exists');
    const created = await admin.createTopic(name, { partitions: 2 });
    const again = await admin.createTopic(name, { partitions: 5, ifNotExists: true });
    assert.equal(again.partitions.length, 2);
    assert.deepEqual(again.config, created.config);
    const err = await admin.createTopic(name).catch((e) => e);
    assert.ok(err instanceof AlreadyExistsError && err instanceof EventLogError);
    assert.equal(err.retriable, false);
    const missing = await admin.describeTopic(`${name}-missing`).catch((e) => e);
    assert.ok(missing instanceof NotFoundError);
    assert.equal(missing.name, 'NotFoundError');
  });

  test('createTopic takes a replication factor; describeTopic shows leader, replicas and ISR', async () => {
    const name = topicName('replicated');
    const created = await admin.createTopic(name, {
      partitions: 2,
      replicationFactor: 1,
      config: { minInsyncReplicas: 1 },
    });
    assert.equal(created.config.minInsyncReplicas, 1);
    assert.equal(created.config.uncleanLeaderElectionEnable, false);
    const described = await admin.describeTopic(name);
    assert.equal(described.config.minInsyncReplicas, 1);
    // A single broker (--broker_id 0) leads every partition and holds its only copy.
    assert.deepEqual(
      described.partitions.map((p) => [p.leader, p.leaderEpoch, p.replicas, p.isr]),
      [
        [0, 0, [0], [0]],
        [0, 0, [0], [0]],
      ],
    );
    await assert.rejects(admin.createTopic(`${name}-rf3`, { replicationFactor: 3 }), (err) => {
      assert.equal(err.code, Status.INVALID_ARGUMENT);
      assert.match(err.details, /replication_factor is 3; a single broker/);
      return true;
    });
    await assert.rejects(admin.createTopic(`${name}-isr2`, { config: { minInsyncReplicas: 2 } }), {
      code: Status.INVALID_ARGUMENT,
    });
  });

  test('listOffsets: earliest, latest and by timestamp', async () => {
    const name = topicName('offsets');
    await admin.createTopic(name, { partitions: 2 });
    const producer = new Producer(broker.target);
    const metas = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => producer.send(name, 'v', { partition: 1, timestampMs: 1000 + i })),
    );
    await producer.close();
    assert.deepEqual(
      metas.map((m) => m.offset),
      [0n, 1n, 2n, 3n, 4n],
    );
    assert.deepEqual(await admin.listOffsets(name, { at: 'earliest' }), new Map([[0, 0n], [1, 0n]]));
    assert.deepEqual(await admin.listOffsets(name), new Map([[0, 0n], [1, 5n]]));
    assert.deepEqual(await admin.listOffsets(name, { at: 1003, partitions: [1] }), new Map([[1, 3n]]));
    assert.deepEqual(await admin.listOffsets(name, { at: 99_999, partitions: [1] }), new Map([[1, 5n]]));
    await assert.rejects(admin.listOffsets(name, { at: 'middle' }), TypeError);
    await assert.rejects(admin.listOffsets(`${name}-missing`), { code: Status.NOT_FOUND });
  });

  test('groups and committed offsets', async () => {
    const name = topicName('groups');
    const group = `${name}-g`;
    await admin.createTopic(name, { partitions: 2 });
    const consumer = new Consumer(broker.target, name, { group, partitions: 'all', start: Start.EARLIEST });
    await consumer.commit({ 0: 0n, 1: 0 }, { metadata: 'admin test' });
    await consumer.close();

    assert.ok((await admin.listGroups()).includes(group));
    const committed = await admin.fetchCommittedOffsets(group, name);
    assert.deepEqual(committed.get(0), { offset: 0n, metadata: 'admin test' });
    assert.equal(committed.get(1).offset, 0n);

    const described = await admin.describeGroup(group);
    assert.equal(described.group, group);
    assert.deepEqual(
      described.lags.map((l) => [l.topic, l.partition, l.lag]).sort(),
      [
        [name, 0, 0n],
        [name, 1, 0n],
      ],
    );
    await assert.rejects(admin.describeGroup(`${group}-missing`), { code: Status.NOT_FOUND });
  });
});
