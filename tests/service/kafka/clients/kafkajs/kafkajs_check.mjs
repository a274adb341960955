// kafkajs against a Kafka listener: lists topics, produces gzip batches with
// the idempotent producer, reads the offsets back, consumes them as a group
// member and commits. Copied next to its
// node_modules by CMake and run as `node kafkajs_check.mjs HOST:PORT`.
// Prints "topics:", "produced:", "offsets:" and "consumed:" lines; exit
// status 0 on success.
import kafkajs from "kafkajs";

const { Kafka, CompressionTypes, logLevel } = kafkajs;
const broker = process.argv[2];
const kafka = new Kafka({ clientId: "kafkajs-check", brokers: [broker], logLevel: logLevel.NOTHING });

const admin = kafka.admin();
await admin.connect();
const topics = (await admin.listTopics()).sort();
console.log(`topics: ${topics.join(",")}`);

const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
await producer.connect();
const value = "kafkajs-".repeat(40);
const results = await producer.send({
  topic: "orders",
  compression: CompressionTypes.GZIP,
  messages: [{ value, partition: 2 }, { value, partition: 2 }],
});
await producer.disconnect();
console.log(`produced: partition ${results[0].partition} base offset ${results[0].baseOffset}`);

const offsets = await admin.fetchTopicOffsets("orders");
const two = offsets.find((o) => o.partition === 2);
console.log(`offsets: partition 2 low ${two.low} high ${two.high}`);
await admin.disconnect();

const consumer = kafka.consumer({ groupId: "js-group" });
await consumer.connect();
await consumer.subscribe({ topic: "orders", fromBeginning: true });
let consumed = 0;
await new Promise((resolve, reject) => {
  consumer
    .run({
      eachMessage: async ({ partition, message }) => {
        if (partition === 2 && message.value.toString() === value) consumed += 1;
        if (consumed === 2) resolve();
      },
    })
    .catch(reject);
});
await consumer.disconnect();
console.log(`consumed: ${consumed}`);
