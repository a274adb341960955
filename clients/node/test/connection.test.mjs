// A broker that cannot be reached is reported with its cause (connection
// refused, unknown host, a port that never answers): passed to onError,
// printed as a process warning, and thrown after the documented timeout.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Admin, Consumer, Producer, UnavailableError } from '../src/index.js';

const UNKNOWN_HOST = 'no-such-host.invalid:7070';

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${server.address().port}`)));
}

describe('an unreachable broker', () => {
  let closedPort;
  let silentPort;
  let silent;
  const sockets = new Set();
  const warnings = [];
  const onWarning = (w) => warnings.push(w);
  before(async () => {
    const probe = net.createServer();
    closedPort = await listen(probe);
    await new Promise((r) => probe.close(r));
    silent = net.createServer((socket) => sockets.add(socket)); // accepts connections, never says a word
    silentPort = await listen(silent);
    process.on('warning', onWarning);
  });
  after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
    process.off('warning', onWarning);
  });

  for (const [where, cause] of [
    ['closed', 'ECONNREFUSED'],
    ['unknown', 'Name resolution failed'],
    ['silent', 'did not answer'],
  ]) {
    test(`a group consumer rejects with the cause (${where})`, async () => {
      const target = { closed: closedPort, unknown: UNKNOWN_HOST, silent: silentPort }[where];
      const errors = [];
      const consumer = new Consumer(target, 'orders', { group: 'billing', connectTimeoutMs: 1500, onError: (e) => errors.push(e) });
      try {
        const err = await consumer.poll(30000).then(
          () => assert.fail('poll() resolved'),
          (e) => e,
        );
        assert.ok(err instanceof UnavailableError, String(err));
        assert.match(err.details, new RegExp(cause));
        assert.match(err.details, /within 1\.5 s/);
        assert.equal(err.retriable, true);
        assert.ok(errors.length > 0 && errors[0].details.includes(cause));
        assert.ok(warnings.some((w) => w.message.includes(cause)));
      } finally {
        await consumer.close();
      }
    });
  }

  for (const [where, cause] of [
    ['closed', 'ECONNREFUSED'],
    ['unknown', 'Name resolution failed'],
  ]) {
    test(`a producer rejects with the cause (${where})`, async () => {
      const errors = [];
      const producer = new Producer(where === 'closed' ? closedPort : UNKNOWN_HOST, {
        connectTimeoutMs: 1000,
        onError: (e) => errors.push(e),
      });
      await assert.rejects(producer.send('orders', 'v'), (e) => e instanceof UnavailableError && e.details.includes(cause));
      await assert.rejects(producer.send('orders', 'v', { partition: 0 }), (e) => e instanceof UnavailableError && e.details.includes(cause));
      assert.ok(errors.length > 0 && errors[0].details.includes(cause));
      await producer.close();
    });
  }

  test('an admin call to a port that never answers fails UNAVAILABLE, not at its deadline', async () => {
    const admin = new Admin(silentPort, { timeoutMs: 10000 });
    try {
      await assert.rejects(admin.listTopics(), (e) => e instanceof UnavailableError && /did not answer/.test(e.details));
    } finally {
      await admin.close();
    }
  });
});
