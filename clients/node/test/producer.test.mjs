// Producer against a real eventlogd: round trip, routing, batching, flush/close.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Admin, Consumer, EventLogError, Producer, Start, Status, createClient, partitionForKey } from '../src/index.js';
import { Broker, retryUnavailable, take, topicName, useBroker } from './broker.mjs';

async function readAll(target, topic, count) {
  const consumer = new Consumer(target, topic, { start: Start.EARLIEST });
  try {
    return await take(consumer, count);
  } finally {
    await consumer.close();
  }
}

describe('Producer', () => {
  let broker;
  let admin;
  useBroker((started, connected) => {
    broker = started;
    admin = connected;
  });

  test('round trip with keys and headers', async () => {
    const name = topicName('roundtrip');
    await admin.createTopic(name, { partitions: 3 });
    const sent = [
      { key: 'k1', value: Buffer.from('v1'), headers: [['h', '1'], ['h', Buffer.from('2')]] },
      { key: Buffer.from('k2'), value: '', headers: { 'empty-value': '' } },
      { key: 'k1', value: 'text value', headers: new Map([['trace', 'abc']]) },
      { key: undefined, value: 'no key', headers: undefined },
    ];
    const producer = new Producer(broker.target);
    const metas = await Promise.all(
      sent.map((s) => producer.send(name, s.value, { key: s.key, headers: s.headers, timestampMs: 1234 })),
    );
    await producer.close();

    const records = new Map((await readAll(broker.target, name, sent.length)).map((r) => [`${r.partition}/${r.offset}`, r]));
    sent.forEach((s, i) => {
      const r = records.get(`${metas[i].partition}/${metas[i].offset}`);
      assert.equal(r.topic, name);
      assert.deepEqual(r.key, Buffer.from(s.key ?? ''));
      assert.deepEqual(r.value, Buffer.from(s.value));
      const want = !s.headers ? [] : Array.isArray(s.headers) ? s.headers : [...(s.headers instanceof Map ? s.headers : Object.entries(s.headers))];
      assert.deepEqual(
        r.headers,
        want.map(([k, v]) => [k, Buffer.from(v)]),
      );
      assert.equal(r.timestampMs, 1234);
    });
    assert.equal(metas[0].partition, metas[2].partition);
    assert.ok(metas[2].offset > metas[0].offset);
  });

  test('keyed routing is Kafka murmur2, on the broker and in the producer', async () => {
    const partitions = 7;
    const name = topicName('routing');
    await admin.createTopic(name, { partitions });
    const keys = ['21', 'foobar', 'abc', ...Array.from({ length: 40 }, (_, i) => `key-${i}`)];
    const expected = new Map(keys.map((k) => [k, partitionForKey(k, partitions)]));
    assert.equal(expected.get('21'), (-973932308 & 0x7fffffff) % partitions);
    assert.equal(expected.get('foobar'), (-790332482 & 0x7fffffff) % partitions);
    assert.equal(expected.get('abc'), (479470107 & 0x7fffffff) % partitions);

    // The broker's own routing: a unary Produce without a partition.
    const client = createClient(broker.target);
    for (const key of keys) {
      const response = await new Promise((resolve, reject) =>
        client.Produce({ topic: name, records: [{ key: Buffer.from(key), value: Buffer.from('x') }] }, (e, r) =>
          e ? reject(e) : resolve(r),
        ),
      );
      assert.deepEqual(
        response.appends.map((a) => a.partition),
        [expected.get(key)],
        key,
      );
    }
    client.close();

    const producer = new Producer(broker.target);
    const metas = await Promise.all(keys.map((k) => producer.send(name, 'y', { key: k })));
    await producer.close();
    assert.deepEqual(
      metas.map((m) => m.partition),
      keys.map((k) => expected.get(k)),
    );
  });

  test('batches keep order and offsets are consecutive', async () => {
    const name = topicName('batches');
    await admin.createTopic(name);
    const producer = new Producer(broker.target, { batchRecords: 7, lingerMs: 50, maxInFlight: 3 });
    const sends = Array.from({ length: 100 }, (_, i) => producer.send(name, String(i)));
    await producer.flush();
    const metas = await Promise.all(sends);
    assert.deepEqual(
      metas.map((m) => m.offset),
      Array.from({ length: 100 }, (_, i) => BigInt(i)),
    );
    await producer.close();
    const records = await readAll(broker.target, name, 100);
    assert.deepEqual(
      records.map((r) => r.value.toString()),
      Array.from({ length: 100 }, (_, i) => String(i)),
    );
  });

  test('batchBytes limit and large records', async () => {
    const name = topicName('bytes');
    await admin.createTopic(name);
    const producer = new Producer(broker.target, { batchBytes: 120_000, lingerMs: 1000 });
    const big = Buffer.alloc(50_000, 'x');
    const sends = Array.from({ length: 10 }, () => producer.send(name, big));
    await producer.flush();
    assert.deepEqual(
      (await Promise.all(sends)).map((m) => m.offset),
      Array.from({ length: 10 }, (_, i) => BigInt(i)),
    );
    await producer.close();
  });

  test('keyless records spread over partitions', async () => {
    const name = topicName('keyless');
    await admin.createTopic(name, { partitions: 3 });
    const producer = new Producer(broker.target, { batchRecords: 5 });
    const metas = await Promise.all(Array.from({ length: 30 }, () => producer.send(name, 'x')));
    await producer.close();
    assert.deepEqual(new Set(metas.map((m) => m.partition)), new Set([0, 1, 2]));
  });

  test('explicit partition and acks', async () => {
    const name = topicName('acks');
    await admin.createTopic(name, { partitions: 4 });
    const leader = new Producer(broker.target, { acks: 'leader' });
    const metas = [];
    for (let i = 0; i < 3; i++) metas.push(await leader.send(name, 'x', { key: 'any', partition: 2 }));
    await leader.close();
    assert.deepEqual(
      metas.map((m) => [m.partition, m.offset]),
      [
        [2, 0n],
        [2, 1n],
        [2, 2n],
      ],
    );
    const all = new Producer(broker.target, { acks: 'all' });
    assert.equal((await all.send(name, 'x', { partition: 2 })).offset, 3n);
    await all.close();
    assert.throws(() => new Producer(broker.target, { acks: 'some' }), TypeError);
  });

  test('unknown topic and partition reject with NOT_FOUND', async () => {
    const name = topicName('notfound');
    await admin.createTopic(name, { partitions: 2 });
    const producer = new Producer(broker.target);
    await assert.rejects(producer.send(`${name}-missing`, 'x'), (err) => {
      assert.ok(err instanceof EventLogError);
      assert.equal(err.code, Status.NOT_FOUND);
      return true;
    });
    await assert.rejects(producer.send(name, 'x', { partition: 5 }), { code: Status.NOT_FOUND });
    // The stream survives a failed request.
    assert.equal((await producer.send(name, 'ok', { partition: 1 })).offset, 0n);
    await producer.close();
  });

  test('close sends pending records and refuses new ones', async () => {
    const name = topicName('close');
    await admin.createTopic(name);
    const producer = new Producer(broker.target, { lingerMs: 10_000 });
    const sends = Array.from({ length: 5 }, (_, i) => producer.send(name, String(i)));
    await producer.close();
    assert.equal((await Promise.all(sends))[4].offset, 4n);
    await assert.rejects(producer.send(name, 'late'), /closed/);
    await producer.close(); // idempotent
  });

  test('values and keys of other types are a TypeError, sendBatch keeps order and routes by key', async () => {
    const name = topicName('types');
    await admin.createTopic(name, { partitions: 3 });
    const producer = new Producer(broker.target);
    try {
      for (const bad of [42, 4.2, {}, [1], true]) {
        await assert.rejects(producer.send(name, bad), /value must be a Buffer, Uint8Array, string or null/);
        await assert.rejects(producer.send(name, 'v', { key: bad }), /key must be/);
        await assert.rejects(producer.sendBatch(name, ['ok', bad]), TypeError);
      }
      const keys = Array.from({ length: 20 }, (_, i) => `k${i % 4}`);
      const metas = await producer.sendBatch(
        name,
        keys.map((key, i) => ({ value: `v${i}`, key })),
      );
      assert.deepEqual(
        metas.map((m) => m.partition),
        keys.map((k) => partitionForKey(k, 3)),
      );
      for (const p of [0, 1, 2]) {
        const offsets = metas.filter((m) => m.partition === p).map((m) => m.offset);
        assert.deepEqual(offsets, [...offsets].sort((a, b) => (a < b ? -1 : 1)));
      }
      const plain = await producer.sendBatch(name, ['x', Buffer.from('y'), null].map((v) => ({ value: v, partition: 1 })));
      assert.deepEqual(plain.map((m) => m.partition), [1, 1, 1]);
      assert.equal(plain[2].offset, plain[0].offset + 2n);
      assert.deepEqual(await producer.sendBatch(name, []), []);
    } finally {
      await producer.close();
    }
  });

  test('records fail with UNAVAILABLE while the broker is down, then succeed', async () => {
    const own = await Broker.start();
    try {
      const name = topicName('down');
      const ownAdmin = new Admin(own.target);
      await ownAdmin.createTopic(name);
      ownAdmin.close();
      const producer = new Producer(own.target, { connectTimeoutMs: 500 });
      assert.equal((await producer.send(name, 'before')).offset, 0n);
      await own.stop();
      await assert.rejects(producer.send(name, 'during'), { code: Status.UNAVAILABLE });
      await own.start(own.port);
      const meta = await retryUnavailable(() => producer.send(name, 'after'));
      assert.equal(meta.offset, 1n);
      await producer.close();
    } finally {
      await own.dispose();
    }
  });
});

test('sends wait for a broker that is starting (connectTimeoutMs)', async () => {
  const broker = await Broker.start();
  try {
    const name = topicName('waits');
    const admin = new Admin(broker.target);
    await admin.createTopic(name, { partitions: 2 });
    admin.close();
    await broker.stop();
    // No stream yet, broker down: the sends wait for it instead of failing.
    const producer = new Producer(broker.target, { connectTimeoutMs: 60_000 });
    const keyed = producer.send(name, 'keyed', { key: 'k' });
    const explicit = producer.send(name, 'explicit', { partition: 1 });
    await broker.start(broker.port);
    assert.equal((await keyed).partition, partitionForKey('k', 2));
    assert.equal((await explicit).offset, (await keyed).partition === 1 ? 1n : 0n);
    await producer.close();
  } finally {
    await broker.dispose();
  }
});
