// Bootstrap server lists: "a:1,b:2" reaches whichever broker answers and
// fails over when the one in use goes away (two real brokers, separate data).
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { Admin, Consumer, Producer, Start } from '../src/index.js';
import { channelTarget, splitServers } from '../src/servers.js';
import { Broker, retryUnavailable, take, topicName } from './broker.mjs';

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('server lists are split and turned into targets', () => {
  assert.deepEqual(splitServers(' a:1, ,b:2 '), ['a:1', 'b:2']);
  assert.equal(channelTarget('localhost:7070'), 'localhost:7070');
  assert.equal(channelTarget('a:1, b:2'), 'eventlog-servers:a:1,b:2');
  assert.equal(channelTarget('dns:///localhost:7070'), 'dns:///localhost:7070'); // one target: as given
  assert.throws(() => splitServers(' , '), TypeError);
  assert.throws(() => channelTarget('a:1,no-port'), TypeError);
});

test('clients fail over to the next server', async () => {
  const first = await Broker.start();
  const second = await Broker.start();
  const name = topicName('failover');
  const servers = `${first.target},${second.target}`;
  const admin = new Admin(servers);
  try {
    await admin.createTopic(name); // on the first broker, which answers
    const direct = new Admin(second.target);
    await direct.createTopic(`${name}-2`);
    direct.close();
    await first.stop();
    // The same client now reaches the second broker.
    const names = await retryUnavailable(async () => (await admin.listTopics()).map((t) => t.name));
    assert.deepEqual(names, [`${name}-2`]);
    const producer = new Producer(servers);
    assert.equal((await producer.send(`${name}-2`, 'v')).offset, 0n);
    await producer.close();
    const consumer = new Consumer(servers, `${name}-2`, { partitions: 'all', start: Start.EARLIEST });
    assert.equal(String((await take(consumer, 1))[0].value), 'v');
    await consumer.close();
  } finally {
    admin.close();
    await first.stop();
    await second.stop();
  }
});

test('a server that is down from the start is skipped', async () => {
  const broker = await Broker.start();
  const admin = new Admin(`127.0.0.1:${await freePort()},${broker.target}`);
  try {
    const name = topicName('skipped');
    await retryUnavailable(() => admin.createTopic(name));
    assert.ok((await admin.listTopics()).some((t) => t.name === name));
  } finally {
    admin.close();
    await broker.stop();
  }
});
