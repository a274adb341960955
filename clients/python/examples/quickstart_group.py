"""eventlog quick start for consumer groups: members of the group "billing"
share the partitions of "payments"; each commits what it has processed.

Run against a broker: python3 quickstart_group.py [HOST:PORT].
"""

import sys

from eventlog import Admin, Consumer, Producer

target = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:7070"

with Admin(target) as admin:
    admin.create_topic("payments", partitions=2)

with Producer(target) as producer:
    for i in range(4):
        producer.send("payments", f"payment #{i}", key=f"account-{i}")

# A new group starts at the earliest offset; later runs resume where it committed.
with Consumer(target, "payments", group="billing", reset_to="earliest") as consumer:
    for count, record in enumerate(consumer, start=1):
        print(f"partition {record.partition} offset {record.offset}: {record.value.decode()}")
        consumer.commit()
        if count == 4:
            break
    print("assignment", consumer.assignment)
