// Part of test_cross_language.py: a Node member of GROUP on TOPIC. It prints
// its rebalance callbacks as JSON lines ({"event": "assign"|"revoke",
// "partitions": [...]}), reads its partitions up to their high watermarks,
// then leaves (close() commits what it read and revokes everything).
// Usage: node node_group_member.mjs TARGET TOPIC GROUP
import { Admin, Consumer } from '../../clients/node/src/index.js';

const [target, topic, group] = process.argv.slice(2);
const print = (event, partitions) => console.log(JSON.stringify({ event, partitions: [...partitions].sort((a, b) => a - b) }));
const consumer = new Consumer(target, topic, {
  group,
  resetTo: 'earliest',
  onAssign: (partitions) => print('assign', partitions),
  onRevoke: (partitions) => print('revoke', partitions),
});
const admin = new Admin(target);
const deadline = Date.now() + 60000;
for (;;) {
  if (Date.now() > deadline) throw new Error(`not done in time; assignment ${JSON.stringify(consumer.assignment?.partitions)}`);
  await consumer.poll(100);
  const owned = consumer.assignment?.partitions ?? [];
  if (owned.length === 0) continue;
  const ends = await admin.listOffsets(topic, { partitions: owned });
  if (owned.every((p) => ends.get(p) === 0n || consumer.position(p) === ends.get(p))) break;
}
await admin.close();
await consumer.close();
