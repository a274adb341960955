// kafkajs (npm, locked in package-lock.json) against the real eventlogd:
// creates TOPIC with 3 partitions, produces 30 keyed records with headers
// (idempotent, gzip), consumes them as a member of GROUP committing each
// one, and describes the group. Run as
//   node kafkajs_e2e.mjs HOST:PORT TOPIC GROUP
// Prints one JSON line: {"produced": [...], "consumed": [...], "describe": {...}}.
import kafkajs from "kafkajs";

const { Kafka, CompressionTypes, logLevel } = kafkajs;
const [broker, topic, group] = process.argv.slice(2);
const kafka = new Kafka({ clientId: "kafkajs-e2e", brokers: [broker], logLevel: logLevel.NOTHING });

const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });

const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const messages = [];
for (let i = 0; i < 30; i++) {
  messages.push({ key: `key-${i}`, value: `value-${i}`, headers: { n: `${i}` } });
}
const sent = await producer.send({ topic, compression: CompressionTypes.GZIP, messages });
await producer.disconnect();

const consumer = kafka.consumer({ groupId: group });
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
const consumed = [];
await new Promise((resolve, reject) => {
  consumer
    .run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        consumed.push({
          partition,
          offset: Number(message.offset),
          key: message.key.toString(),
          value: message.value.toString(),
          n: message.headers.n.toString(),
        });
        await consumer.commitOffsets([
          { topic, partition, offset: String(Number(message.offset) + 1) },
        ]);
        if (consumed.length === 30) resolve();
      },
    })
    .catch(reject);
});
const described = await admin.describeGroups([group]);
await consumer.disconnect();
await admin.disconnect();
const g = described.groups[0];
console.log(
  JSON.stringify({
    produced: sent.map((r) => ({ partition: r.partition, baseOffset: Number(r.baseOffset) })),
    consumed,
    describe: { state: g.state, protocolType: g.protocolType, members: g.members.length },
  }),
);
process.exit(0);
