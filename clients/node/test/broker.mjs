// Starts and stops a real eventlogd for the tests: $EVENTLOGD (ctest sets it
// to the built target) on 127.0.0.1 with a free port (or a given one, to
// restart on the same address) and its data in a temp dir. Only processes
// started here are ever signalled.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { after, before } from 'node:test';
import { Admin, EventLogError, Status } from '../src/index.js';

const hasSetpriv = ['/usr/bin/setpriv', '/bin/setpriv'].some((p) => fs.existsSync(p));

export function eventlogdPath() {
  const bin = process.env.EVENTLOGD;
  if (!bin) throw new Error('EVENTLOGD is not set: build eventlogd and point EVENTLOGD at it');
  fs.accessSync(bin, fs.constants.X_OK);
  return bin;
}

export class Broker {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventlog-node-'));
    this.dataDir = path.join(this.dir, 'data');
    this.logPath = path.join(this.dir, 'eventlogd.log');
    this.port = 0;
    this.target = '';
    this.proc = null;
  }

  static async start() {
    const broker = new Broker();
    await broker.start();
    return broker;
  }

  /** Starts eventlogd and resolves to "host:port" once it listens. */
  start(port = 0, timeoutMs = 30000) {
    if (this.proc) throw new Error('already running');
    this.target = '';
    const log = fs.openSync(this.logPath, 'a');
    const args = [eventlogdPath(), `--listen=127.0.0.1:${port}`, `--data_dir=${this.dataDir}`];
    // setpriv (util-linux) makes the broker get SIGKILL if this process dies
    // (e.g. killed by a ctest timeout), so no broker outlives its test.
    const proc = hasSetpriv
      ? spawn('setpriv', ['--pdeathsig', 'KILL', '--', ...args], { stdio: ['ignore', 'pipe', log] })
      : spawn(args[0], args.slice(1), { stdio: ['ignore', 'pipe', log] });
    fs.closeSync(log);
    this.proc = proc;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.stop();
        reject(new Error(`eventlogd did not print 'listening on' within ${timeoutMs} ms; ${this.logTail()}`));
      }, timeoutMs);
      const lines = readline.createInterface({ input: proc.stdout });
      lines.on('line', (line) => {
        const m = /listening on (\S+):(\d+)/.exec(line);
        if (m && !this.target) {
          clearTimeout(timer);
          this.port = Number(m[2]);
          this.target = `127.0.0.1:${this.port}`;
          resolve(this.target);
        }
      });
      proc.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (this.proc === proc) this.proc = null;
        if (!this.target) reject(new Error(`eventlogd exited (${code ?? signal}) before listening; ${this.logTail()}`));
      });
    });
  }

  /** SIGTERM, then SIGKILL after timeoutMs; resolves to the exit code. */
  stop(timeoutMs = 15000) {
    const proc = this.proc;
    this.proc = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc?.exitCode ?? 0);
    return new Promise((resolve) => {
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      proc.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
      proc.kill('SIGTERM');
    });
  }

  /** Stops and starts again on the same port and data. */
  async restart() {
    await this.stop();
    return this.start(this.port);
  }

  /** Stops the broker and removes its files. */
  async dispose() {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  logTail(lines = 30) {
    try {
      return `broker log tail:\n${fs.readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n')}`;
    } catch {
      return 'no broker log';
    }
  }
}

let counter = 0;
/** A topic name unique to this process. */
export function topicName(label) {
  return `node-${label.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60)}-${process.pid}-${counter++}`;
}

/** Retries fn while it rejects with UNAVAILABLE (right after a broker restart
 * gRPC channels fail fast until their reconnect backoff ends). */
export async function retryUnavailable(fn, attempts = 150, delayMs = 200) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof EventLogError) || err.code !== Status.UNAVAILABLE || attempt >= attempts - 1) throw err;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}

/** The next `count` records of a consumer; fails instead of hanging. */
export async function take(consumer, count, timeoutMs = 30000) {
  const out = [];
  while (out.length < count) {
    const record = await consumer.poll(timeoutMs);
    if (record === null) throw new Error(`got ${out.length} of ${count} records`);
    out.push(record);
  }
  return out;
}

/**
 * Starts a broker and an Admin on it before the enclosing describe block's
 * tests, hands both to `onReady`, and closes them after the block.
 */
export function useBroker(onReady) {
  let broker;
  let admin;
  before(async () => {
    broker = await Broker.start();
    admin = new Admin(broker.target);
    onReady(broker, admin);
  });
  after(async () => {
    await admin?.close();
    await broker?.dispose();
  });
}
