// Consumer against a real eventlogd: start positions, live records, seek,
// commits, reconnection and errors.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Admin, Consumer, EventLogError, Producer, Start, Status } from '../src/index.js';
import { Broker, retryUnavailable, take, topicName } from './broker.mjs';

async function produce(target, topic, values, partition = 0) {
  const producer = new Producer(target);
  try {
    const metas = await Promise.all(values.map((v, i) => producer.send(topic, v, { partition, timestampMs: 1000 + i })));
    return metas.map((m) => m.offset);
  } finally {
    await producer.close();
  }
}

const values = (records) => records.map((r) => r.value.toString());

describe('Consumer', () => {
  let broker;
  let admin;
  let target;
  before(async () => {
    broker = await Broker.start();
    target = broker.target;
    admin = new Admin(target);
  });
  after(async () => {
    admin?.close();
    await broker?.dispose();
  });

  test('start positions', async () => {
    const name = topicName('start');
    await admin.createTopic(name);
    await produce(target, name, ['a', 'b', 'c', 'd']);
    let c = new Consumer(target, name, { partitions: [0], start: Start.EARLIEST });
    assert.deepEqual(values(await take(c, 4)), ['a', 'b', 'c', 'd']);
    await c.close();
    c = new Consumer(target, name, { partitions: [0], start: Start.offset(2n) });
    assert.deepEqual(
      (await take(c, 2)).map((r) => [r.offset, r.value.toString()]),
      [
        [2n, 'c'],
        [3n, 'd'],
      ],
    );
    await c.close();
    c = new Consumer(target, name, { start: Start.timestamp(1001) });
    assert.deepEqual(values(await take(c, 3)), ['b', 'c', 'd']);
    await c.close();
    // LATEST starts some time after the call: produce until a record arrives;
    // it must be a new one.
    c = new Consumer(target, name, { start: Start.LATEST });
    let record = null;
    for (let i = 0; i < 20 && record === null; i++) {
      await produce(target, name, [`e${i}`]);
      record = await c.poll(1000);
    }
    assert.ok(record !== null && record.offset >= 4n && record.value.toString().startsWith('e'));
    assert.equal(c.position(0), record.offset + 1n);
    await c.close();
  });

  test('async iteration; break leaves the consumer usable', async () => {
    const name = topicName('iterate');
    await admin.createTopic(name);
    await produce(target, name, ['a', 'b', 'c']);
    const c = new Consumer(target, name, { start: Start.EARLIEST });
    const seen = [];
    for await (const record of c) {
      seen.push(record.value.toString());
      if (seen.length === 3) break;
    }
    assert.deepEqual(seen, ['a', 'b', 'c']);
    await produce(target, name, ['d']);
    const next = await c[Symbol.asyncIterator]().next();
    assert.equal(next.value.value.toString(), 'd');
    await c.close();
  });

  test('live records arrive on every partition', async () => {
    const name = topicName('live');
    await admin.createTopic(name, { partitions: 3 });
    const c = new Consumer(target, name, { start: Start.EARLIEST });
    await c.start();
    assert.deepEqual(c.assignment, { memberId: '', generation: 0n, partitions: [0, 1, 2] });
    for (const p of [0, 1, 2]) await produce(target, name, [`p${p}`], p);
    const got = (await take(c, 3)).map((r) => [r.partition, r.value.toString()]).sort();
    assert.deepEqual(got, [
      [0, 'p0'],
      [1, 'p1'],
      [2, 'p2'],
    ]);
    await c.close();
  });

  test('seek', async () => {
    const name = topicName('seek');
    await admin.createTopic(name, { partitions: 2 });
    await produce(target, name, Array.from({ length: 10 }, (_, i) => String(i)), 1);
    const c = new Consumer(target, name, { partitions: [1], start: Start.EARLIEST });
    assert.deepEqual(values(await take(c, 3)), ['0', '1', '2']);
    await c.seek(1, 8n);
    assert.equal(c.position(1), 8n);
    assert.deepEqual(values(await take(c, 2)), ['8', '9']);
    await c.seek(1, 1);
    assert.deepEqual(values(await take(c, 2)), ['1', '2']);
    await assert.rejects(c.seek(0, 0), RangeError);
    await c.close();
  });

  test('commit and resume from committed', async () => {
    const name = topicName('commit');
    const group = `${name}-g`;
    await admin.createTopic(name, { partitions: 2 });
    await produce(target, name, ['a0', 'a1', 'a2'], 0);
    await produce(target, name, ['b0', 'b1'], 1);
    let c = new Consumer(target, name, { group, partitions: [0, 1], start: Start.EARLIEST });
    assert.deepEqual(await c.committed(), new Map());
    await take(c, 5);
    assert.deepEqual(await c.commit(), new Map([[0, 3n], [1, 2n]]));
    assert.deepEqual(await c.committed(), new Map([[0, 3n], [1, 2n]]));
    await c.commit(new Map([[0, 1n]]));
    assert.deepEqual(await c.committed([0]), new Map([[0, 1n]]));
    await c.close();
    const fetched = await admin.fetchCommittedOffsets(group, name);
    assert.deepEqual([...fetched].map(([p, o]) => [p, o.offset]).sort(), [
      [0, 1n],
      [1, 2n],
    ]);

    await produce(target, name, ['b2'], 1);
    c = new Consumer(target, name, { group, partitions: 'all', start: Start.COMMITTED });
    const got = (await take(c, 3)).map((r) => [r.partition, r.value.toString()]).sort();
    assert.deepEqual(got, [
      [0, 'a1'],
      [0, 'a2'],
      [1, 'b2'],
    ]);
    await c.close();
  });

  test('COMMITTED falls back to resetTo', async () => {
    const name = topicName('reset');
    const group = `${name}-g`;
    await admin.createTopic(name);
    await produce(target, name, ['old']);
    let c = new Consumer(target, name, { group, partitions: [0], start: Start.COMMITTED, resetTo: 'earliest' });
    assert.deepEqual(values(await take(c, 1)), ['old']);
    await c.close();
    c = new Consumer(target, name, { group, partitions: [0], start: Start.COMMITTED });
    assert.equal(await c.poll(300), null); // resetTo latest skips "old"
    await c.close();
  });

  test('autoCommit commits on close', async () => {
    const name = topicName('autocommit');
    const group = `${name}-g`;
    await admin.createTopic(name);
    await produce(target, name, ['a', 'b', 'c']);
    const c = new Consumer(target, name, { group, partitions: [0], start: Start.EARLIEST, autoCommit: true });
    await take(c, 2);
    await c.close();
    assert.equal((await admin.fetchCommittedOffsets(group, name)).get(0).offset, 2n);
  });

  test('commit needs a group', async () => {
    const name = topicName('nogroup');
    await admin.createTopic(name);
    const c = new Consumer(target, name);
    await assert.rejects(c.commit(), TypeError);
    await c.close();
    assert.throws(() => new Consumer(target, name, { autoCommit: true }), TypeError);
  });

  test('unknown topic or partition is NOT_FOUND', async () => {
    const name = topicName('unknown');
    const c = new Consumer(target, `${name}-missing`);
    await assert.rejects(c.poll(), (err) => err instanceof EventLogError && err.code === Status.NOT_FOUND);
    await c.close();
    await admin.createTopic(name);
    const p = new Consumer(target, name, { partitions: [4] });
    await assert.rejects(p.poll(30000), { code: Status.NOT_FOUND });
    await p.close();
  });

  test('offset out of range', async () => {
    const name = topicName('range');
    await admin.createTopic(name);
    await produce(target, name, ['a']);
    const c = new Consumer(target, name, { partitions: [0], start: Start.offset(50) });
    await assert.rejects(c.poll(30000), { code: Status.OUT_OF_RANGE });
    await c.close();
  });

  test('a deleted topic ends the iteration with NOT_FOUND', async () => {
    const name = topicName('deleted');
    await admin.createTopic(name);
    await produce(target, name, ['a']);
    const c = new Consumer(target, name, { start: Start.EARLIEST });
    assert.deepEqual(values(await take(c, 1)), ['a']);
    await admin.deleteTopic(name);
    await assert.rejects(c.poll(30000), { code: Status.NOT_FOUND });
    await c.close();
  });

  test('one reader at a time', async () => {
    const name = topicName('onereader');
    await admin.createTopic(name);
    const c = new Consumer(target, name);
    const first = c.poll(200);
    await assert.rejects(c.poll(10), /one reader at a time/);
    assert.equal(await first, null);
    await c.close();
  });

  test('close ends a pending iteration', async () => {
    const name = topicName('closeiter');
    await admin.createTopic(name);
    const c = new Consumer(target, name);
    setTimeout(() => c.close(), 200);
    const seen = [];
    for await (const r of c) seen.push(r);
    assert.deepEqual(seen, []);
  });

  test('reconnects after a broker restart without losing or repeating records', async () => {
    const own = await Broker.start();
    try {
      const name = topicName('restart');
      const ownAdmin = new Admin(own.target);
      await ownAdmin.createTopic(name, { partitions: 2 });
      ownAdmin.close();
      await produce(own.target, name, ['a', 'b'], 0);
      const c = new Consumer(own.target, name, { start: Start.EARLIEST, reconnectBackoffMs: [50, 500] });
      assert.deepEqual(values(await take(c, 2)), ['a', 'b']);
      await own.restart();
      await retryUnavailable(() => produce(own.target, name, ['c'], 0));
      await produce(own.target, name, ['x'], 1);
      const got = (await take(c, 2)).map((r) => [r.partition, r.offset, r.value.toString()]).sort();
      assert.deepEqual(got, [
        [0, 2n, 'c'],
        [1, 0n, 'x'],
      ]);
      await c.close();
    } finally {
      await own.dispose();
    }
  });
});
