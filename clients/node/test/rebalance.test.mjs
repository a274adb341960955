// Group consumers across rebalances: commits never move an offset backwards,
// a commit for a generation that just ended is never thrown at the user, and
// onAssign / onRevoke (and the 'assign' / 'revoke' events) report what moved.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Consumer, Producer } from '../src/index.js';
import { topicName, useBroker } from './broker.mjs';

async function produceTo(target, topic, partition, count) {
  const producer = new Producer(target);
  try {
    await Promise.all(Array.from({ length: count }, (_, i) => producer.send(topic, `p${partition}-${i}`, { partition })));
  } finally {
    await producer.close();
  }
}

/** Polls (which keeps the member active and applies assignments) until predicate() holds. */
async function pollUntil(consumer, predicate, polls = 300) {
  for (let i = 0; i < polls; i++) {
    if (predicate()) return;
    await consumer.poll(100);
  }
  assert.fail(`condition never held; assignment ${JSON.stringify(consumer.assignment, (k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
}

/** Polls `consumer` until stop() is called; returns a promise of the end. */
function pollInBackground(consumer) {
  let stopped = false;
  const done = (async () => {
    while (!stopped) await consumer.poll(100);
  })();
  return async () => {
    stopped = true;
    await done;
  };
}

async function committed(admin, group, topic) {
  return new Map([...(await admin.fetchCommittedOffsets(group, topic))].map(([p, c]) => [p, c.offset]));
}

describe('rebalances', () => {
  let broker;
  let admin;
  useBroker((started, connected) => {
    broker = started;
    admin = connected;
  });

  test('a partition that comes back never commits its old position', async () => {
    // A reads both partitions and commits; B takes one over, reads further and
    // commits; B leaves and A gets the partition back. A's next commit must not
    // write its old position over B's.
    const name = topicName('comes-back');
    const group = `${name}-g`;
    await admin.createTopic(name, { partitions: 2 });
    await produceTo(broker.target, name, 0, 10);
    await produceTo(broker.target, name, 1, 10);
    const a = new Consumer(broker.target, name, { group, resetTo: 'earliest', autoCommit: false });
    try {
      await pollUntil(a, () => a.position(0) === 10n && a.position(1) === 10n);
      await a.commit();
      assert.deepEqual(await committed(admin, group, name), new Map([[0, 10n], [1, 10n]]));
      const b = new Consumer(broker.target, name, { group, resetTo: 'earliest', autoCommit: false });
      let moved;
      try {
        const stopA = pollInBackground(a);
        await pollUntil(b, () => b.assignment?.partitions.length === 1);
        [moved] = b.assignment.partitions;
        await produceTo(broker.target, name, moved, 10);
        await pollUntil(b, () => b.position(moved) === 20n);
        await b.commit();
        await stopA();
        assert.equal((await committed(admin, group, name)).get(moved), 20n);
      } finally {
        await b.close();
      }
      await pollUntil(a, () => a.assignment?.partitions.length === 2);
      await a.commit();
      assert.equal((await committed(admin, group, name)).get(moved), 20n);
    } finally {
      await a.close();
    }
  });

  test('a commit for a generation that just ended is not thrown', async () => {
    // A holds one record at a time (highWaterMark 1 pauses its stream), so it
    // has not read its new assignment when the broker moves to the next
    // generation. A's commit loop must go on.
    const name = topicName('ended');
    const group = `${name}-g`;
    await admin.createTopic(name, { partitions: 2 });
    await produceTo(broker.target, name, 0, 20);
    await produceTo(broker.target, name, 1, 20);
    const a = new Consumer(broker.target, name, {
      group,
      resetTo: 'earliest',
      autoCommit: false,
      maxBatchRecords: 1,
      highWaterMark: 1,
    });
    try {
      assert.ok(await a.poll(30000));
      const { generation } = a.assignment;
      const b = new Consumer(broker.target, name, { group, resetTo: 'earliest', autoCommit: false });
      const stopB = pollInBackground(b);
      try {
        for (let i = 0; i < 300 && (await admin.describeGroup(group)).generation <= generation; i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.ok((await admin.describeGroup(group)).generation > generation);
        await a.commit(); // the generation A knows has ended
        for (let i = 0; i < 600; i++) {
          if (await a.poll(100)) await a.commit();
          if (a.assignment.generation > generation && a.assignment.partitions.length === 1) break;
        }
      } finally {
        await stopB();
        await b.close();
      }
      const [kept] = a.assignment.partitions;
      await a.commit();
      assert.equal((await committed(admin, group, name)).get(kept), a.position(kept));
    } finally {
      await a.close();
    }
  });

  test('a commit loop survives members joining and leaving', async () => {
    const name = topicName('loop');
    const group = `${name}-g`;
    await admin.createTopic(name, { partitions: 3 });
    for (const p of [0, 1, 2]) await produceTo(broker.target, name, p, 200);
    const history = [];
    const a = new Consumer(broker.target, name, { group, resetTo: 'earliest', autoCommit: false });
    let seen = 0;
    try {
      for (let round = 0; round < 3; round++) {
        const b = new Consumer(broker.target, name, { group, resetTo: 'earliest', autoCommit: false });
        const stopB = pollInBackground(b);
        for await (const record of a) {
          assert.ok(record);
          await a.commit();
          if (++seen >= 100 * (round + 1)) break;
        }
        await stopB();
        await b.close();
        history.push(await committed(admin, group, name));
      }
    } finally {
      await a.close();
    }
    for (let i = 1; i < history.length; i++) {
      for (const [p, offset] of history[i - 1]) assert.ok((history[i].get(p) ?? offset) >= offset, `partition ${p} went back`);
    }
  });

  test('onAssign and onRevoke report what moved', async () => {
    const name = topicName('callbacks');
    const group = `${name}-g`;
    await admin.createTopic(name, { partitions: 4 });
    const events = [];
    const emitted = [];
    const a = new Consumer(broker.target, name, {
      group,
      onAssign: async (partitions) => events.push(['assign', [...partitions].sort()]),
      onRevoke: async (partitions) => events.push(['revoke', [...partitions].sort()]),
    });
    a.on('assign', (partitions) => emitted.push(['assign', partitions.length]));
    a.on('revoke', (partitions) => emitted.push(['revoke', partitions.length]));
    let revoked;
    try {
      await pollUntil(a, () => events.length === 1);
      assert.deepEqual(events, [['assign', [0, 1, 2, 3]]]);
      const b = new Consumer(broker.target, name, { group });
      const stopB = pollInBackground(b);
      await pollUntil(a, () => events.length === 3);
      await stopB();
      revoked = events[1][1];
      assert.equal(events[1][0], 'revoke');
      assert.equal(revoked.length, 2);
      assert.deepEqual(events[2], ['assign', []]);
      assert.deepEqual([...revoked, ...a.assignment.partitions].sort(), [0, 1, 2, 3]);
      await b.close();
      // As in Kafka's cooperative protocol: onAssign after every rebalance
      // (with what was added), onRevoke only when something was taken away.
      await pollUntil(a, () => events.length === 4);
      assert.deepEqual(events[3], ['assign', revoked]);
    } finally {
      await a.close();
    }
    assert.deepEqual(events.slice(4), [['revoke', [0, 1, 2, 3]]]); // close() revokes everything
    assert.deepEqual(emitted, [['assign', 4], ['revoke', 2], ['assign', 0], ['assign', 2], ['revoke', 4]]);
  });
});
