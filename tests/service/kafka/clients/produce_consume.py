"""Produces records with kafka-python, then consumes them back from the start.

  produce_consume.py HOST:PORT TOPIC PARTITION COMPRESSION VALUE...

Prints the consumed values, one a line. Run with Debian's /usr/bin/python3
(python3-kafka). Exit status 0 when every value came back.
"""

import sys

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def main():
    server, topic, partition, compression = sys.argv[1:5]
    values = sys.argv[5:]
    partition = int(partition)
    producer = KafkaProducer(bootstrap_servers=server, acks="all",
                             compression_type=None if compression == "none" else compression)
    for value in values:
        producer.send(topic, value.encode(), partition=partition).get(timeout=20)
    producer.close()

    consumer = KafkaConsumer(bootstrap_servers=server, enable_auto_commit=False,
                             consumer_timeout_ms=20000)
    tp = TopicPartition(topic, partition)
    consumer.assign([tp])
    consumer.seek_to_beginning(tp)
    seen = []
    for record in consumer:
        seen.append(record.value.decode())
        print(seen[-1], flush=True)
        if len(seen) >= len(values):
            break
    consumer.close()
    return 0 if seen[-len(values):] == values else 1


if __name__ == "__main__":
    sys.exit(main())
