// Runs the README's quick-start examples against a fresh broker each.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Admin } from '../src/index.js';
import { Broker } from './broker.mjs';

const examples = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'examples');

async function runExample(name, target) {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(examples, name), target], {
    timeout: 120_000,
  });
  return stdout.trim().split('\n');
}

test('quickstart.mjs', async () => {
  const broker = await Broker.start();
  try {
    const out = await runExample('quickstart.mjs', broker.target);
    assert.equal(out.filter((l) => l.startsWith('produced to partition')).length, 4);
    assert.deepEqual(out.filter((l) => l.startsWith('consumed')).sort(), [
      'consumed customer-0: order #0 source=quickstart',
      'consumed customer-0: order #2 source=quickstart',
      'consumed customer-1: order #1 source=quickstart',
      'consumed customer-1: order #3 source=quickstart',
    ]);
    assert.match(out.at(-1), /^committed Map\(\d\) \{/);
    const admin = new Admin(broker.target);
    const committed = await admin.fetchCommittedOffsets('billing', 'orders');
    const high = await admin.listOffsets('orders');
    await admin.close();
    // Everything consumed was committed: committed == high watermark where records went.
    assert.deepEqual(
      new Map([...committed].map(([p, c]) => [p, c.offset])),
      new Map([...high].filter(([, h]) => h > 0n)),
    );
    await runExample('quickstart.mjs', broker.target); // runs again: the topic exists
  } finally {
    await broker.dispose();
  }
});

test('quickstart-group.mjs', async () => {
  const broker = await Broker.start();
  try {
    // A second run finds the topic and resumes where the group committed.
    for (let run = 0; run < 2; run++) {
      const out = await runExample('quickstart-group.mjs', broker.target);
      assert.equal(out[0], 'assigned [ 0, 1 ]');
      assert.equal(out.filter((l) => l.startsWith('partition ')).length, 4);
      // console.log prints the assignment object over several lines.
      const printed = out.slice(out.findIndex((l) => l.startsWith('assignment {')), -1).join('\n');
      assert.match(printed, /^assignment \{.*generation: [1-9]\d*n,.*partitions: \[ 0, 1 \]\s*\}$/s);
      assert.equal(out.at(-1), 'revoked [ 0, 1 ]'); // close() revokes everything
      const admin = new Admin(broker.target);
      const { lags } = await admin.describeGroup('billing');
      await admin.close();
      assert.equal(
        lags.reduce((sum, l) => sum + l.lag, 0n),
        0n,
      );
    }
  } finally {
    await broker.dispose();
  }
});
