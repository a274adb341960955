"""eventlog quick start: create a topic, produce keyed records, consume them
from the beginning and commit the consumer's position.

Run against a broker: python3 quickstart.py [HOST:PORT] (default 127.0.0.1:7070).
"""

import sys

from eventlog import Admin, Consumer, Producer, Start

target = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:7070"

with Admin(target) as admin:
    admin.create_topic("orders", partitions=3, if_not_exists=True)

# Produce: send() batches records and returns a future per record.
with Producer(target) as producer:
    futures = [
        producer.send("orders", f"order #{i}", key=f"customer-{i % 2}", headers={"source": "quickstart"})
        for i in range(4)
    ]
    for future in futures:
        meta = future.result()
        print(f"produced to partition {meta.partition} at offset {meta.offset}")

# Consume every partition from the beginning; commit under the group "billing".
with Consumer(target, "orders", group="billing", partitions="all", start=Start.EARLIEST) as consumer:
    for count, record in enumerate(consumer, start=1):
        print(f"consumed {record.key.decode()}: {record.value.decode()} {dict(record.headers)}")
        if count == 4:
            break
    print("committed", consumer.commit())
