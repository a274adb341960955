// The Node.js client against a three-broker cluster (docs/CLUSTER.md)
// started by the C++ harness ($CLUSTER_HARNESS): a bootstrap list, a
// consumer group whose members reach the cluster through different brokers,
// and a producer and consumer that keep working when the broker they first
// reached is killed (the partitions it leads are unavailable meanwhile: one
// copy of each partition). Run by run_node_cluster_test.sh (ctest
// clients_cluster_node).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin, Consumer, EventLogError, Producer, Start, Status, partitionForKey } from '../../clients/node/src/index.js';
import { Harness, eventually, leaders } from './node_cluster_harness.mjs';

let cluster;
before(async () => {
  cluster = await Harness.start();
});
after(async () => {
  await cluster?.close();
});

test('a group whose members reach different brokers gets every record once', async () => {
  const servers = cluster.addresses.join(',');
  const admin = new Admin(servers);
  await admin.createTopic('node-orders', { partitions: 6 });
  admin.close();

  // Each member's list starts with another broker. They join before
  // anything is produced, so that no rebalance moves a partition with
  // records read but not committed.
  const rotate = (n) => [...cluster.addresses.slice(n), ...cluster.addresses.slice(0, n)].join(',');
  const members = [1, 2].map((n) => new Consumer(rotate(n), 'node-orders', { group: 'node-group', resetTo: 'earliest' }));
  const received = new Map();
  let stop = false;
  const loops = members.map(async (member) => {
    while (!stop) {
      const record = await member.poll(200);
      if (record === null) continue;
      const id = `${record.partition}:${record.offset}`;
      received.set(id, (received.get(id) ?? 0) + 1);
    }
  });
  try {
    const assigned = () => {
      const lists = members.map((m) => m.assignment?.partitions ?? []);
      return lists.every((l) => l.length > 0) && new Set(lists.flat()).size === 6 && lists.flat().length === 6;
    };
    assert.ok(await eventually(assigned), 'the two members never shared the six partitions');

    const producer = new Producer(servers);
    const sent = new Set();
    const metas = await Promise.all(
      Array.from({ length: 300 }, (_, i) => producer.send('node-orders', `value-${i}`, { key: `key-${i}` })),
    );
    metas.forEach((meta, i) => {
      assert.equal(meta.partition, partitionForKey(Buffer.from(`key-${i}`), 6));
      sent.add(`${meta.partition}:${meta.offset}`);
    });
    await producer.close();

    assert.ok(await eventually(() => received.size >= sent.size), `${received.size} of ${sent.size} records`);
    assert.deepEqual(new Set(received.keys()), sent);
    for (const [id, count] of received) assert.equal(count, 1, `record ${id} arrived ${count} times`);
  } finally {
    stop = true;
    await Promise.all(loops);
    await Promise.all(members.map((m) => m.close()));
  }
});

test('a topic created with replicationFactor 3 has three replicas in sync on every partition', async () => {
  const admin = new Admin(cluster.addresses.join(','));
  try {
    const created = await admin.createTopic('node-replicated', {
      partitions: 3,
      replicationFactor: 3,
      config: { minInsyncReplicas: 2 },
    });
    assert.equal(created.config.minInsyncReplicas, 2);
    assert.deepEqual(
      created.partitions.map((p) => p.replicas.length),
      [3, 3, 3],
    );
    const brokers = [1, 2, 3];
    const allBrokers = (ids) => [...ids].sort((a, b) => a - b).join() === brokers.join();
    let last;
    const fullyReplicated = async () => {
      last = await admin.describeTopic('node-replicated');
      return last.partitions.every(
        (p) => p.replicas.length === 3 && allBrokers(p.replicas) && allBrokers(p.isr) && p.replicas.includes(p.leader),
      );
    };
    assert.ok(await eventually(fullyReplicated), `partitions ${JSON.stringify(last?.partitions, (k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    assert.equal(last.config.minInsyncReplicas, 2);
    await assert.rejects(admin.createTopic('node-too-many-copies', { replicationFactor: 4 }), {
      code: Status.UNAVAILABLE,
    });
  } finally {
    admin.close();
  }
});

test('a producer and a consumer keep working when the broker they first reached is killed', async () => {
  const servers = cluster.addresses.join(',');
  const admin = new Admin(servers);
  await admin.createTopic('node-failover', { partitions: 6 });
  admin.close();
  const lead = await leaders(cluster.addresses[1], 'node-failover');
  const first = 1; // broker id of cluster.addresses[0], the one the clients reach first
  const surviving = [...lead].filter(([, leader]) => leader !== first).map(([p]) => p);
  assert.ok(surviving.length > 0 && surviving.length < 6, `leaders ${[...lead]}`);
  const keys = [];
  for (let i = 0; keys.length < surviving.length * 10; i++) {
    if (surviving.includes(partitionForKey(Buffer.from(`k${i}`), 6))) keys.push(`k${i}`);
  }
  const half = keys.length / 2;

  const producer = new Producer(servers);
  const consumer = new Consumer(servers, 'node-failover', { partitions: surviving, start: Start.EARLIEST });
  const received = new Map(); // "partition:offset" -> times delivered
  const values = [];
  const read = async (count) => {
    const deadline = Date.now() + 60000;
    while (count > 0 && Date.now() < deadline) {
      const record = await consumer.poll(1000);
      if (record === null) continue;
      const id = `${record.partition}:${record.offset}`;
      received.set(id, (received.get(id) ?? 0) + 1);
      values.push(String(record.value));
      count--;
    }
    assert.equal(count, 0, `${count} records missing after ${values.length}`);
  };
  try {
    await Promise.all(keys.slice(0, half).map((key) => producer.send('node-failover', 'before', { key })));
    // The consumer's streams open on its first poll: through broker 0, live
    // before the kill.
    await read(1);
    await cluster.command('kill 0');
    // The connection moves to another broker of the list: a send may fail
    // with UNAVAILABLE meanwhile, never after.
    const sends = async () => {
      try {
        await producer.send('node-failover', 'probe', { key: keys[0] });
        return true;
      } catch (err) {
        if (err instanceof EventLogError && err.code === Status.UNAVAILABLE) return false;
        throw err;
      }
    };
    assert.ok(await eventually(sends), 'no send succeeded after the kill');
    await Promise.all(keys.slice(half).map((key) => producer.send('node-failover', 'after', { key })));

    const ends = new Admin(servers);
    let total = 0;
    try {
      const offsets = await ends.listOffsets('node-failover', { partitions: surviving });
      for (const offset of offsets.values()) total += Number(offset);
    } finally {
      ends.close();
    }
    // The same consumer, after the kill: every record once.
    await read(total - 1);
    for (const [id, count] of received) assert.equal(count, 1, `record ${id} arrived ${count} times`);
    assert.equal(values.filter((v) => v === 'before').length, half);
    assert.equal(values.filter((v) => v === 'after').length, keys.length - half);
    assert.ok(values.includes('probe'));
  } finally {
    await producer.close();
    await consumer.close();
  }
  await cluster.command('start 0');
  await cluster.command('wait');
  const same = async () => {
    const now = await leaders(cluster.addresses[0], 'node-failover').catch(() => null);
    return now !== null && [...lead].every(([p, leader]) => now.get(p) === leader);
  };
  assert.ok(await eventually(same), 'broker 1 did not lead its partitions again');
});
