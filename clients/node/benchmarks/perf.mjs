#!/usr/bin/env node
// Throughput of the Node.js client: produce N records with Producer, then
// consume them with Consumer, several runs, medians printed.
//
//   node benchmarks/perf.mjs --eventlogd build/service/eventlogd   # starts its own broker
//   node benchmarks/perf.mjs --server 127.0.0.1:7070               # or uses a running one
//   node benchmarks/perf.mjs --client kafkajs --server 127.0.0.1:9092   # the anchor
//
// --client kafkajs measures kafkajs (npm install kafkajs first; it is not a
// dependency) against a Kafka listener (eventlogd's --kafka_listen, or Kafka)
// with the same workload. Each run uses a fresh topic. Client and broker
// share the machine: say so with the figures (docs/PERFORMANCE.md).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { parseArgs } from 'node:util';
import { Admin, Consumer, Producer, Start } from '../src/index.js';

const { values: args } = parseArgs({
  options: {
    client: { type: 'string', default: 'eventlog' },
    server: { type: 'string', default: process.env.EVENTLOG_SERVER ?? '' },
    eventlogd: { type: 'string' },
    records: { type: 'string', default: '200000' },
    'record-size': { type: 'string', default: '100' },
    acks: { type: 'string', default: 'all' },
    'linger-ms': { type: 'string', default: '5' },
    batch: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '5' },
    api: { type: 'string', default: 'send' }, // eventlog: send() or sendBatch()
    'commit-per-record': { type: 'boolean', default: false }, // eventlog: a group member committing per record
  },
});
const records = Number(args.records);
const recordSize = Number(args['record-size']);
const value = Buffer.alloc(recordSize, 'x');
const window = 50000; // sends awaited together, so that memory stays bounded

async function runEventlog(server, topic) {
  const admin = new Admin(server);
  await admin.createTopic(topic);
  await admin.close();
  let start = performance.now();
  const producer = new Producer(server, {
    acks: args.acks,
    lingerMs: Number(args['linger-ms']),
    batchRecords: Number(args.batch),
  });
  const batch = Number(args.batch);
  const values = new Array(batch).fill(value);
  for (let sent = 0; sent < records; ) {
    const pending = [];
    if (args.api === 'batch') {
      for (const end = Math.min(records, sent + window); sent < end; sent += batch) {
        pending.push(producer.sendBatch(topic, values.slice(0, Math.min(batch, end - sent))));
      }
    } else {
      for (const end = Math.min(records, sent + window); sent < end; sent++) pending.push(producer.send(topic, value));
    }
    await Promise.all(pending);
  }
  await producer.close();
  const produced = performance.now() - start;

  start = performance.now();
  const perRecord = args['commit-per-record'];
  const consumer = perRecord
    ? new Consumer(server, topic, { group: topic, resetTo: 'earliest' })
    : new Consumer(server, topic, { partitions: 'all', start: Start.EARLIEST });
  const commits = [];
  let got = 0;
  for await (const record of consumer) {
    if (perRecord) commits.push(consumer.commit()); // coalesced: one call per round trip
    if (record && ++got === records) break;
  }
  await Promise.all(commits);
  await consumer.close();
  return [produced, performance.now() - start];
}

async function runKafkajs(server, topic) {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ brokers: server.split(','), logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  let start = performance.now();
  const batch = Number(args.batch);
  const acks = args.acks === 'all' ? -1 : 1;
  for (let sent = 0; sent < records; ) {
    const pending = [];
    for (const end = Math.min(records, sent + window); sent < end; sent += batch) {
      const messages = Array.from({ length: Math.min(batch, end - sent) }, () => ({ value }));
      pending.push(producer.send({ topic, acks, messages }));
    }
    await Promise.all(pending);
  }
  await producer.disconnect();
  const produced = performance.now() - start;
  const consumer = kafka.consumer({ groupId: topic });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  start = performance.now();
  await new Promise((resolve) => {
    let got = 0;
    consumer.run({
      eachBatch: async ({ batch: b }) => {
        got += b.messages.length;
        if (got >= records) resolve();
      },
    });
  });
  const consumed = performance.now() - start;
  await consumer.disconnect();
  return [produced, consumed];
}

async function startBroker(binary) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eventlog-nodeperf-'));
  const proc = spawn(binary, ['--listen=127.0.0.1:0', `--data_dir=${path.join(dir, 'data')}`], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const line = await new Promise((resolve) => readline.createInterface({ input: proc.stdout }).once('line', resolve));
  const match = /listening on (\S+)/.exec(line);
  if (!match) throw new Error(`eventlogd did not start: ${line}`);
  return { proc, dir, server: match[1] };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => Math.round(x).toLocaleString('en-US');

const clients = { eventlog: runEventlog, kafkajs: runKafkajs };
if (!(args.client in clients)) throw new Error(`--client must be one of ${Object.keys(clients).join(', ')}`);
let broker = null;
let server = args.server;
if (args.eventlogd) {
  broker = await startBroker(args.eventlogd);
  server = broker.server;
}
if (!server) throw new Error('give --server (or $EVENTLOG_SERVER) or --eventlogd');
try {
  const produceRates = [];
  const consumeRates = [];
  const mb = (records * recordSize) / 1e6;
  for (let run = 1; run <= Number(args.runs); run++) {
    const [p, c] = await clients[args.client](server, `nodeperf-${process.pid}-${run}-${Date.now()}`);
    produceRates.push(records / (p / 1000));
    consumeRates.push(records / (c / 1000));
    console.log(
      `run ${run}: produce ${fmt(produceRates.at(-1))} records/s (${(mb / (p / 1000)).toFixed(1)} MB/s), ` +
        `consume ${fmt(consumeRates.at(-1))} records/s (${(mb / (c / 1000)).toFixed(1)} MB/s)`,
    );
  }
  console.log(
    `${args.client}: ${records} records of ${recordSize} B, acks=${args.acks}, ${args.runs} runs, ` +
      `client and broker on ${os.cpus().length} shared cores`,
  );
  console.log(`median produce ${fmt(median(produceRates))} records/s [${fmt(Math.min(...produceRates))} - ${fmt(Math.max(...produceRates))}]`);
  console.log(`median consume ${fmt(median(consumeRates))} records/s [${fmt(Math.min(...consumeRates))} - ${fmt(Math.max(...consumeRates))}]`);
} finally {
  if (broker) {
    broker.proc.kill('SIGTERM');
    await new Promise((resolve) => broker.proc.once('exit', resolve));
    fs.rmSync(broker.dir, { recursive: true, force: true });
  }
}
