// The Node.js Producer routes by metadata (docs/CLUSTER.md, "Forward or
// redirect"): given one bootstrap broker of three, it sends each partition's
// batches straight to its leader, which the brokers'
// eventlog_produce_forwarded_records_total shows (it stays put; a producer
// with routeToLeaders: false moves it, so the check can fail). When a leader
// goes away and comes back, the producer refreshes its metadata and carries
// on, and every acknowledged record is stored exactly once. Run by
// run_node_cluster_test.sh (ctest clients_routing_node).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin, Consumer, Producer, Start, partitionForKey } from '../../clients/node/src/index.js';
import { Harness, eventually, leaders } from './node_cluster_harness.mjs';

const PARTITIONS = 12;

let cluster;
before(async () => {
  cluster = await Harness.start(['--http_listen=127.0.0.1:0']);
});
after(async () => {
  await cluster?.close();
});

/** eventlog_produce_forwarded_records_total summed over the running brokers. */
async function forwarded() {
  let total = 0;
  for (let i = 0; i < cluster.addresses.length; i++) {
    let http;
    try {
      [http] = await cluster.command(`http ${i}`);
    } catch {
      continue; // not running
    }
    const page = await (await fetch(`http://${http}/metrics`)).text();
    const line = page.split('\n').find((l) => l.startsWith('eventlog_produce_forwarded_records_total '));
    total += Number(line.split(' ')[1]);
  }
  return total;
}

/** Every record of the topic (at least `expected`; then until none comes for 2 s): "partition:offset" -> value. */
async function readAll(topic, expected) {
  const consumer = new Consumer(cluster.addresses.join(','), topic, { start: Start.EARLIEST });
  const seen = new Map();
  try {
    for (;;) {
      const record = await consumer.poll(seen.size < expected ? 20000 : 2000);
      if (record === null) break;
      seen.set(`${record.partition}:${record.offset}`, record.value.toString());
    }
  } finally {
    await consumer.close();
  }
  assert.ok(seen.size >= expected, `only ${seen.size} of ${expected} records`);
  return seen;
}

async function createTopic(name) {
  const admin = new Admin(cluster.addresses[0]);
  await admin.createTopic(name, { partitions: PARTITIONS });
  admin.close();
}

test('the producer sends to leaders directly', async () => {
  await createTopic('node-route');
  const before = await forwarded();
  const producer = new Producer(cluster.addresses[0]);
  const stored = await Promise.all(Array.from({ length: 1200 }, (_, i) => producer.send('node-route', `v${i}`, { key: `k${i}` })));
  await producer.close();
  stored.forEach((m, i) => assert.equal(m.partition, partitionForKey(Buffer.from(`k${i}`), PARTITIONS)));
  assert.equal(await forwarded(), before);

  // The control: the same producer told not to route is forwarded.
  const control = new Producer(cluster.addresses[0], { routeToLeaders: false });
  await Promise.all(Array.from({ length: 120 }, (_, i) => control.send('node-route', `w${i}`, { key: `k${i}` })));
  await control.close();
  const lead = await leaders(cluster.addresses[0], 'node-route');
  let elsewhere = 0;
  for (let i = 0; i < 120; i++) if (lead.get(partitionForKey(Buffer.from(`k${i}`), PARTITIONS)) !== 1) elsewhere++;
  assert.ok(elsewhere > 0);
  assert.equal(await forwarded(), before + elsewhere);
  assert.equal((await readAll('node-route', 1320)).size, 1320);
});

test('the producer follows a leader that goes away and comes back', async () => {
  await createTopic('node-route-move');
  const lead = await leaders(cluster.addresses[0], 'node-route-move');
  const victim = 1; // index of broker id 2; the producer's bootstrap is index 0
  const moved = new Set([...lead].filter(([, leader]) => leader === victim + 1).map(([p]) => p));
  assert.ok(moved.size > 0);
  const acked = new Map(); // value -> "partition:offset"
  let ackedOnMoved = 0;
  let stop = false;
  const producer = new Producer(cluster.addresses[0]);
  const loop = (async () => {
    for (let i = 0; !stop; i += 50) {
      const sends = Array.from({ length: 50 }, (_, j) => {
        const value = `m${i + j}`;
        return producer.send('node-route-move', value, { key: value }).then(
          (m) => {
            acked.set(value, `${m.partition}:${m.offset}`);
            if (moved.has(m.partition)) ackedOnMoved++;
          },
          () => {}, // its leader is down: not acknowledged
        );
      });
      await Promise.all(sends);
    }
  })();
  try {
    assert.ok(await eventually(() => ackedOnMoved > 100, 20000));
    await cluster.command(`kill ${victim}`);
    await cluster.command(`start ${victim}`);
    await cluster.command('wait');
    assert.ok(
      await eventually(async () => {
        const now = await leaders(cluster.addresses[0], 'node-route-move');
        return [...lead].every(([p, leader]) => now.get(p) === leader);
      }, 20000),
    );
    // Back at its leader, directly once the failed address's pause is over:
    // nothing is forwarded while 100 more records reach it.
    const direct = async () => {
      const settled = await forwarded();
      const count = ackedOnMoved;
      assert.ok(await eventually(() => ackedOnMoved > count + 100, 20000));
      return (await forwarded()) === settled;
    };
    assert.ok(await eventually(direct, 15000), 'the producer kept forwarding');
  } finally {
    stop = true;
    await loop;
    await producer.close();
  }
  const seen = await readAll('node-route-move', acked.size);
  const values = [...seen.values()];
  assert.equal(new Set(values).size, values.length, 'a record was stored twice');
  for (const [value, where] of acked) assert.equal(seen.get(where), value);
});
