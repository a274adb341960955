// Group-mode consumers (Subscribe with a group).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { Consumer, Producer, Start, Status, createClient } from '../src/index.js';
import { take, topicName, useBroker } from './broker.mjs';

async function produceKeys(target, topic, count) {
  const producer = new Producer(target);
  try {
    return await Promise.all(Array.from({ length: count }, (_, i) => producer.send(topic, `v${i}`, { key: `k${i}` })));
  } finally {
    await producer.close();
  }
}

/** Polls (which keeps the member active) until the assignment matches. */
async function waitForAssignment(consumer, predicate, polls = 300) {
  for (let i = 0; i < polls; i++) {
    const a = consumer.assignment;
    if (a && predicate(a)) return a;
    await consumer.poll(100);
  }
  assert.fail(`assignment never matched; last: ${JSON.stringify(consumer.assignment, (k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
}

describe('group consumers', () => {
  let broker;
  let admin;
  useBroker((started, connected) => {
    broker = started;
    admin = connected;
  });

  test('a single member gets every partition and commits', async () => {
    const name = topicName('single');
    const group = `${name}-g`;
    await admin.createTopic(name, { partitions: 3 });
    const metas = await produceKeys(broker.target, name, 9);
    const c = new Consumer(broker.target, name, { group, resetTo: 'earliest' });
    const got = await take(c, 9);
    assert.deepEqual(c.assignment.partitions, [0, 1, 2]);
    assert.ok(c.assignment.generation > 0n);
    assert.ok(c.assignment.memberId);
    await c.commit();
    await c.close();
    const key = (x) => `${x.partition}/${x.offset}`;
    assert.deepEqual(got.map(key).sort(), metas.map(key).sort());
    const committed = await admin.fetchCommittedOffsets(group, name);
    const high = await admin.listOffsets(name);
    assert.deepEqual(
      new Map([...committed].map(([p, o]) => [p, o.offset])),
      new Map([...high].filter(([, h]) => h > 0n)),
    );
    assert.ok((await admin.listGroups()).includes(group));
  });

  test('two members split the partitions; a stale generation cannot commit', async () => {
    const name = topicName('split');
    const group = `${name}-g`;
    await admin.createTopic(name, { partitions: 4 });
    const first = new Consumer(broker.target, name, { group, resetTo: 'earliest' });
    const a1 = await waitForAssignment(first, (a) => a.partitions.length === 4);
    const second = new Consumer(broker.target, name, { group, resetTo: 'earliest' });
    const [b1, b2] = await Promise.all([
      waitForAssignment(first, (a) => a.generation > a1.generation && a.partitions.length === 2),
      waitForAssignment(second, (a) => a.generation > a1.generation && a.partitions.length === 2),
    ]);
    assert.equal(b1.generation, b2.generation);
    assert.deepEqual([...b1.partitions, ...b2.partitions].sort(), [0, 1, 2, 3]);
    const described = await admin.describeGroup(group);
    assert.equal(described.generation, b1.generation);
    assert.deepEqual(described.members.flatMap((m) => m.partitions).sort(), [0, 1, 2, 3]);
    // A commit carrying the generation before the rebalance is refused.
    const client = createClient(broker.target);
    const err = await new Promise((resolve) =>
      client.CommitOffset(
        { group, topic: name, partition: b1.partitions[0], offset: '0', generation: a1.generation.toString() },
        (e) => resolve(e),
      ),
    );
    client.close();
    await second.close();
    await first.close();
    assert.equal(err?.code, Status.FAILED_PRECONDITION);
  });

  test('a group commit names the member and generation of the assignment', async () => {
    // The broker refuses a commit from a member that does not own the
    // partition in that generation, so a member must say who it is.
    const name = topicName('member');
    await admin.createTopic(name, { partitions: 2 });
    await produceKeys(broker.target, name, 4);
    const commits = [];
    const recordCommits = (options, nextCall) =>
      new grpc.InterceptingCall(nextCall(options), {
        sendMessage(message, next) {
          if (/\/CommitOffsets?$/.test(options.method_definition.path)) commits.push(message);
          next(message);
        },
      });
    const probe = createClient(broker.target);
    const Service = probe.constructor;
    probe.close();
    const client = new Service(broker.target, grpc.credentials.createInsecure(), { interceptors: [recordCommits] });
    const c = new Consumer(client, name, { group: `${name}-g`, resetTo: 'earliest' });
    let assignment;
    try {
      await take(c, 1);
      assignment = c.assignment;
      await c.commit();
    } finally {
      await c.close();
      client.close();
    }
    assert.ok(commits.length > 0);
    for (const request of commits) {
      assert.equal(request.memberId, assignment.memberId);
      assert.equal(BigInt(request.generation), assignment.generation);
    }
  });

  test('autoCommit in a group', async () => {
    const name = topicName('auto');
    const group = `${name}-g`;
    await admin.createTopic(name);
    await produceKeys(broker.target, name, 3);
    const c = new Consumer(broker.target, name, { group, resetTo: 'earliest', autoCommit: true });
    await take(c, 3);
    await c.close();
    assert.equal((await admin.fetchCommittedOffsets(group, name)).get(0).offset, 3n);
  });

  test('a group resumes from its committed offset', async () => {
    const name = topicName('resume');
    const group = `${name}-g`;
    await admin.createTopic(name);
    await produceKeys(broker.target, name, 4);
    let c = new Consumer(broker.target, name, { group, resetTo: 'earliest' });
    assert.deepEqual(
      (await take(c, 2)).map((r) => r.offset),
      [0n, 1n],
    );
    await c.commit();
    await c.close();
    c = new Consumer(broker.target, name, { group, start: Start.COMMITTED });
    assert.equal((await take(c, 1))[0].offset, 2n);
    await c.close();
  });

  test('seek in a group re-joins at the offset', async () => {
    const name = topicName('seek');
    const group = `${name}-g`;
    await admin.createTopic(name);
    await produceKeys(broker.target, name, 5);
    const c = new Consumer(broker.target, name, { group, resetTo: 'earliest' });
    try {
      assert.deepEqual(
        (await take(c, 3)).map((r) => r.offset),
        [0n, 1n, 2n],
      );
      const before = c.assignment;
      await c.seek(0, 1);
      assert.equal((await admin.fetchCommittedOffsets(group, name)).get(0).offset, 1n);
      assert.deepEqual(
        (await take(c, 4)).map((r) => r.offset),
        [1n, 2n, 3n, 4n],
      );
      assert.ok(c.assignment.generation > before.generation);
      assert.notEqual(c.assignment.memberId, before.memberId);
    } finally {
      await c.close();
    }
  });
});
