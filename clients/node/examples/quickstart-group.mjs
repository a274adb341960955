// eventlog quick start for consumer groups: members of the group "billing"
// share the partitions of "payments". The broker moves partitions between
// members as they come and go (a rebalance); each member commits what it has
// processed. Run it in several terminals at once to see partitions move.
// Run against a broker: node quickstart-group.mjs [HOST:PORT].
import { Admin, Consumer, Producer } from 'eventlog-client';

const target = process.argv[2] ?? '127.0.0.1:7070';

const admin = new Admin(target);
await admin.createTopic('payments', { partitions: 2, ifNotExists: true });
await admin.close();

const producer = new Producer(target);
await Promise.all([0, 1, 2, 3].map((i) => producer.send('payments', `payment #${i}`, { key: `account-${i}` })));
await producer.close();

// A new group starts at the earliest offset here (resetTo; the default is
// 'latest'); later runs resume where the group committed. Commits are
// automatic (every 5 s and on close()), and a rebalance never makes them throw.
const consumer = new Consumer(target, 'payments', {
  group: 'billing',
  resetTo: 'earliest',
  onAssign: (partitions) => console.log('assigned', partitions),
  // Their records after the last commit go to their new owner.
  onRevoke: (partitions) => console.log('revoked', partitions),
});
let count = 0;
for await (const record of consumer) {
  console.log(`partition ${record.partition} offset ${record.offset}: ${record.value}`);
  if (++count === 4) break;
}
console.log('assignment', consumer.assignment);
await consumer.close();
