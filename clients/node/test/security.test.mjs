// createClient's security options against an eventlogd with mutual TLS,
// bearer tokens and an ACL. Certificates are made at test time by
// tests/service/security/make_test_certs.sh (openssl); the broker started
// here is stopped (SIGTERM, this pid only) at the end.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Admin, EventLogError, Status, createClient } from '../src/index.js';
import { eventlogdPath } from './broker.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const makeCerts = path.join(repo, 'tests', 'service', 'security', 'make_test_certs.sh');

describe('createClient security options', () => {
  let dir;
  let certs;
  let proc;
  let target;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventlog-node-sec-'));
    certs = path.join(dir, 'certs');
    execFileSync(makeCerts, [certs], { stdio: 'ignore' });
    fs.writeFileSync(path.join(dir, 'tokens'), 'tok-admin admin\ntok-reader reader\n');
    fs.writeFileSync(path.join(dir, 'acl'), 'admin all topic:*\nreader read topic:*\n');
    proc = spawn(
      eventlogdPath(),
      [
        '--listen=127.0.0.1:0',
        `--data_dir=${path.join(dir, 'data')}`,
        `--tls_cert=${path.join(certs, 'server.pem')}`,
        `--tls_key=${path.join(certs, 'server.key')}`,
        `--tls_client_ca=${path.join(certs, 'ca.pem')}`,
        `--auth_tokens=${path.join(dir, 'tokens')}`,
        `--acl=${path.join(dir, 'acl')}`,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const lines = readline.createInterface({ input: proc.stdout });
    for await (const line of lines) {
      const m = /listening on (\S+)/.exec(line);
      if (m) {
        target = m[1];
        break;
      }
    }
    assert.ok(target, 'eventlogd did not start');
  });
  after(async () => {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await exited;
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const mtls = (token) =>
    createClient(target, {
      caFile: path.join(certs, 'ca.pem'),
      certFile: path.join(certs, 'client.pem'),
      keyFile: path.join(certs, 'client.key'),
      token,
    });

  const refusedWith = (code) => (err) => err instanceof EventLogError && err.code === code;

  test('tokens pick the principal; the ACL decides', async () => {
    const adminClient = mtls('tok-admin');
    const readerClient = mtls('tok-reader');
    try {
      await new Admin(adminClient).createTopic('orders', { partitions: 1 });
      const reader = new Admin(readerClient);
      assert.deepEqual(
        (await reader.listTopics()).map((t) => t.name),
        ['orders'],
      );
      await assert.rejects(reader.deleteTopic('orders'), refusedWith(Status.PERMISSION_DENIED));
    } finally {
      adminClient.close();
      readerClient.close();
    }
  });

  test('refusals: unknown token, no client certificate', async () => {
    const wrong = mtls('wrong');
    const noCert = createClient(target, { caFile: path.join(certs, 'ca.pem'), token: 'tok-admin' });
    try {
      await assert.rejects(new Admin(wrong).listTopics(), refusedWith(Status.UNAUTHENTICATED));
      await assert.rejects(new Admin(noCert, { timeoutMs: 20000 }).listTopics(), refusedWith(Status.UNAVAILABLE));
    } finally {
      wrong.close();
      noCert.close();
    }
    assert.throws(() => createClient(target, { certFile: 'x.pem' }), TypeError);
  });
});
