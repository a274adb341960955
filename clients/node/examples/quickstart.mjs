// eventlog quick start: create a topic, produce keyed records, consume them
// from the beginning and commit the consumer's position.
// Run against a broker: node quickstart.mjs [HOST:PORT] (default 127.0.0.1:7070).
import { Admin, Consumer, Producer, Start } from 'eventlog-client';

const target = process.argv[2] ?? '127.0.0.1:7070';

const admin = new Admin(target);
await admin.createTopic('orders', { partitions: 3, ifNotExists: true });
await admin.close();

// Produce: send() batches records and resolves to each one's partition and offset.
const producer = new Producer(target);
const sent = await Promise.all(
  [0, 1, 2, 3].map((i) =>
    producer.send('orders', `order #${i}`, { key: `customer-${i % 2}`, headers: { source: 'quickstart' } }),
  ),
);
for (const { partition, offset } of sent) console.log(`produced to partition ${partition} at offset ${offset}`);
await producer.close();

// Consume every partition from the beginning; commit under the group "billing".
const consumer = new Consumer(target, 'orders', { group: 'billing', partitions: 'all', start: Start.EARLIEST });
let count = 0;
for await (const record of consumer) {
  const headers = record.headers.map(([k, v]) => `${k}=${v}`).join(',');
  console.log(`consumed ${record.key}: ${record.value} ${headers}`);
  if (++count === 4) break;
}
console.log('committed', await consumer.commit());
await consumer.close();
