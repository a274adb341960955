"""eventlog quick start for consumer groups: members of the group "billing"
share the partitions of "payments". The broker moves partitions between
members as they come and go (a rebalance); each member commits what it has
processed. Run it in several terminals at once to see partitions move.

Run against a broker: python3 quickstart_group.py [HOST:PORT].
"""

import sys
from typing import List

from eventlog import Admin, Consumer, Producer

target = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:7070"

with Admin(target) as admin:
    admin.create_topic("payments", partitions=2, if_not_exists=True)

with Producer(target) as producer:
    for i in range(4):
        producer.send("payments", f"payment #{i}", key=f"account-{i}")


def assigned(consumer: Consumer, partitions: List[int]) -> None:
    print("assigned", partitions)


def revoked(consumer: Consumer, partitions: List[int]) -> None:
    # Their records after the last commit go to their new owner.
    print("revoked", partitions)


# A new group starts at the earliest offset here (reset_to; the default is
# "latest"); later runs resume where the group committed. Commits are
# automatic (every 5 s and on close); commit_async() after each record commits
# sooner without waiting, and a rebalance never makes it raise.
with Consumer(target, "payments", group="billing", reset_to="earliest", on_assign=assigned, on_revoke=revoked) as consumer:
    for count, record in enumerate(consumer, start=1):
        print(f"partition {record.partition} offset {record.offset}: {record.value.decode()}")
        consumer.commit_async()
        if count == 4:
            break
    print("assignment", consumer.assignment)
