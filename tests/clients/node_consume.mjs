// Part of test_cross_language.py: consumes COUNT records of TOPIC with the
// Node client, prints each as a JSON line, commits what it consumed for GROUP
// and exits. MODE "explicit" reads all partitions from the earliest offset
// (the group only names where commits go); MODE "group" joins GROUP.
// Usage: node node_consume.mjs TARGET TOPIC GROUP COUNT MODE
import { Consumer, Start } from '../../clients/node/src/index.js';

const [target, topic, group, count, mode] = process.argv.slice(2);
const options =
  mode === 'group' ? { group, resetTo: 'earliest' } : { group, partitions: 'all', start: Start.EARLIEST };
const consumer = new Consumer(target, topic, options);
const want = Number(count);
let seen = 0;
while (seen < want) {
  const record = await consumer.poll(30000);
  if (record === null) throw new Error(`only ${seen} of ${want} records arrived`);
  seen++;
  console.log(
    JSON.stringify({
      partition: record.partition,
      offset: record.offset.toString(),
      key: record.key.toString(),
      value: record.value.toString(),
      headers: record.headers.map(([k, v]) => [k, v.toString()]),
    }),
  );
}
const committed = await consumer.commit();
console.error(`committed ${JSON.stringify(Object.fromEntries([...committed].map(([p, o]) => [p, o.toString()])))}`);
await consumer.close();
