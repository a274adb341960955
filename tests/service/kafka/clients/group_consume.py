"""Consumes COUNT records of TOPIC as a member of GROUP with kafka-python,
commits, then lists and describes the groups with its admin client.

  group_consume.py HOST:PORT GROUP TOPIC COUNT

Prints each value, then "groups: ..." and "state: ...". Run with Debian's
/usr/bin/python3 (python3-kafka).
"""

import sys

from kafka import KafkaAdminClient, KafkaConsumer


def main():
    server, group, topic, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    consumer = KafkaConsumer(topic, bootstrap_servers=server, group_id=group,
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             consumer_timeout_ms=20000)
    seen = 0
    for record in consumer:
        print(record.value.decode(), flush=True)
        seen += 1
        if seen == count:
            break
    consumer.commit()
    consumer.close()

    admin = KafkaAdminClient(bootstrap_servers=server)
    groups = sorted(g for g, _ in admin.list_consumer_groups())
    print("groups: " + ",".join(groups))
    described = admin.describe_consumer_groups([group])[0]
    print("state: " + described.state)
    admin.close()
    return 0 if seen == count else 1


if __name__ == "__main__":
    sys.exit(main())
