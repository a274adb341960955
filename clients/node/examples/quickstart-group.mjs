// eventlog quick start for consumer groups: members of the group "billing"
// share the partitions of "payments"; each commits what it has processed.
// Run against a broker: node quickstart-group.mjs [HOST:PORT].
import { Admin, Consumer, Producer } from 'eventlog-client';

const target = process.argv[2] ?? '127.0.0.1:7070';

const admin = new Admin(target);
await admin.createTopic('payments', { partitions: 2 });
admin.close();

const producer = new Producer(target);
await Promise.all([0, 1, 2, 3].map((i) => producer.send('payments', `payment #${i}`, { key: `account-${i}` })));
await producer.close();

// A new group starts at the earliest offset; later runs resume where it committed.
const consumer = new Consumer(target, 'payments', { group: 'billing', resetTo: 'earliest' });
let count = 0;
for await (const record of consumer) {
  console.log(`partition ${record.partition} offset ${record.offset}: ${record.value}`);
  await consumer.commit();
  if (++count === 4) break;
}
console.log('assignment', consumer.assignment);
await consumer.close();
