// Helpers for the Node.js cluster tests (node_cluster.test.mjs,
// node_routing.test.mjs): the C++ cluster harness ($CLUSTER_HARNESS) in a
// child process, partition leaders as a broker reports them, and polling.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { createClient } from '../../clients/node/src/index.js';

/** cluster_harness in a child process: commands over stdin, answers "ok" / "error: ...". */
export class Harness {
  /** `flags`: more flags for every broker (e.g. --http_listen=127.0.0.1:0). */
  static async start(flags = []) {
    const harness = new Harness(flags);
    const first = await harness.#line();
    assert.match(first, /^ready /);
    harness.addresses = first.slice('ready '.length).split(',');
    return harness;
  }

  constructor(flags) {
    const extra = flags.flatMap((flag) => ['--broker_flag', flag]);
    this.proc = spawn(process.env.CLUSTER_HARNESS, ['--etcd', '1', '--brokers', '3', ...extra], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.lines = readline.createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }

  async #line() {
    const { value, done } = await this.lines.next();
    assert.ok(!done, 'the harness exited');
    return value;
  }

  /** Runs a command; resolves to the lines it printed before "ok". */
  async command(text) {
    this.proc.stdin.write(`${text}\n`);
    const lines = [];
    for (;;) {
      const line = await this.#line();
      if (line === 'ok') return lines;
      if (line.startsWith('error: ')) throw new Error(`harness ${text}: ${line}`);
      lines.push(line);
    }
  }

  async close() {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.stdin.end('quit\n');
    await exited;
  }
}

/** Partition -> leader id, as `address` reports it (GetMetadata of a raw stub). */
export function leaders(address, topic) {
  const client = createClient(address);
  return new Promise((resolve, reject) => {
    client.GetMetadata({ topics: [topic] }, { deadline: Date.now() + 10000 }, (err, response) => {
      client.close();
      if (err) reject(err);
      else resolve(new Map(response.topics[0].partitions.map((p) => [p.partition, p.leader])));
    });
  });
}

export async function eventually(predicate, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}
