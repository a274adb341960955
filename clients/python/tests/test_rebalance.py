"""Group consumers across rebalances: commits never move an offset backwards,
a commit for a generation that just ended never reaches the user as an
error, and on_assign / on_revoke report what moved."""

from __future__ import annotations

import threading
from typing import Dict, List

from eventlog import Admin, Consumer, Producer


def produce_to(target: str, topic: str, partition: int, count: int) -> None:
    with Producer(target) as producer:
        for i in range(count):
            producer.send(topic, f"p{partition}-{i}", partition=partition)


def poll_until(consumer: Consumer, predicate, polls: int = 300) -> None:
    """Polls (which keeps the member active and applies assignments) until
    predicate() holds."""
    for _ in range(polls):
        if predicate():
            return
        consumer.poll(timeout=0.1)
    raise AssertionError(f"condition never held; assignment {consumer.assignment}")


def poll_in_background(consumer: Consumer, stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=lambda: [consumer.poll(0.1) for _ in iter(stop.is_set, True)])
    thread.start()
    return thread


def committed(admin: Admin, group: str, topic: str) -> Dict[int, int]:
    return {p: c.offset for p, c in admin.fetch_committed_offsets(group, topic).items()}


def test_a_partition_that_comes_back_never_commits_its_old_position(admin, target, topic_name):
    # Member A reads both partitions and commits; B takes one over, reads
    # further and commits; B leaves and A gets the partition back. A's next
    # commit must not write its old position over B's.
    admin.create_topic(topic_name, partitions=2)
    group = topic_name + "-g"
    for p in (0, 1):
        produce_to(target, topic_name, p, 10)
    a = Consumer(target, topic_name, group=group, reset_to="earliest", auto_commit=False)
    try:
        poll_until(a, lambda: a.position(0) == 10 and a.position(1) == 10)
        a.commit()
        assert committed(admin, group, topic_name) == {0: 10, 1: 10}

        b = Consumer(target, topic_name, group=group, reset_to="earliest", auto_commit=False)
        try:
            stop = threading.Event()
            polling_a = poll_in_background(a, stop)
            poll_until(b, lambda: b.assignment is not None and len(b.assignment.partitions) == 1)
            moved = b.assignment.partitions[0]
            produce_to(target, topic_name, moved, 10)
            poll_until(b, lambda: b.position(moved) == 20)
            b.commit()
            stop.set()
            polling_a.join()
            assert committed(admin, group, topic_name)[moved] == 20
        finally:
            b.close()
        poll_until(a, lambda: a.assignment is not None and len(a.assignment.partitions) == 2)
        a.commit()
        assert committed(admin, group, topic_name) == {0: 10, 1: 10, moved: 20}
    finally:
        a.close()


def test_a_commit_for_a_generation_that_just_ended_is_not_an_error(admin, target, topic_name):
    # A reads one record at a time with a one-batch buffer, so its reader is
    # blocked when B joins: the broker moves to a new generation before A
    # has read its new assignment. A's commit loop must go on.
    admin.create_topic(topic_name, partitions=2)
    group = topic_name + "-g"
    for p in (0, 1):
        produce_to(target, topic_name, p, 20)
    a = Consumer(
        target, topic_name, group=group, reset_to="earliest", auto_commit=False, max_batch_records=1, buffer_batches=1
    )
    try:
        first = a.poll(timeout=30)
        assert first is not None
        generation = a.assignment.generation
        with Consumer(target, topic_name, group=group, reset_to="earliest", auto_commit=False) as b:
            stop = threading.Event()
            polling_b = poll_in_background(b, stop)
            try:
                for _ in range(300):
                    if admin.describe_group(group).generation > generation:
                        break
                    threading.Event().wait(0.05)
                assert admin.describe_group(group).generation > generation
                a.commit()  # the generation A knows has ended
                for _ in range(600):  # a commit per record until A follows the new assignment
                    if a.poll(timeout=0.1) is not None:
                        a.commit()
                    if a.assignment.generation > generation and len(a.assignment.partitions) == 1:
                        break
            finally:
                stop.set()
                polling_b.join()
        kept = a.assignment.partitions[0]
        a.commit()
        assert committed(admin, group, topic_name)[kept] == a.position(kept)
    finally:
        a.close()


def test_a_commit_loop_survives_members_joining_and_leaving(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=3)
    group = topic_name + "-g"
    for p in range(3):
        produce_to(target, topic_name, p, 200)
    seen: List[int] = []
    history: List[Dict[int, int]] = []
    with Consumer(target, topic_name, group=group, reset_to="earliest", auto_commit=False) as a:
        for round_ in range(3):
            with Consumer(target, topic_name, group=group, reset_to="earliest", auto_commit=False) as b:
                stop = threading.Event()
                polling_b = poll_in_background(b, stop)
                for record in a:
                    a.commit()
                    seen.append(record.offset)
                    if len(seen) >= 100 * (round_ + 1):
                        break
                stop.set()
                polling_b.join()
            history.append(committed(admin, group, topic_name))
    for earlier, later in zip(history, history[1:]):
        for partition, offset in earlier.items():
            assert later.get(partition, offset) >= offset, history


def test_on_assign_and_on_revoke_report_what_moved(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=4)
    group = topic_name + "-g"
    events: List[tuple] = []
    a = Consumer(
        target,
        topic_name,
        group=group,
        on_assign=lambda consumer, partitions: events.append(("assign", sorted(partitions))),
        on_revoke=lambda consumer, partitions: events.append(("revoke", sorted(partitions))),
    )
    try:
        poll_until(a, lambda: events == [("assign", [0, 1, 2, 3])])
        with Consumer(target, topic_name, group=group) as b:
            stop = threading.Event()
            polling_b = poll_in_background(b, stop)
            poll_until(a, lambda: len(events) == 3)
            stop.set()
            polling_b.join()
            revoked = events[1][1]
            assert events[1][0] == "revoke" and len(revoked) == 2
            assert events[2] == ("assign", [])
            assert sorted(revoked + a.assignment.partitions) == [0, 1, 2, 3]
        # As in Kafka's cooperative protocol: on_assign after every rebalance
        # (with what was added), on_revoke only when something was taken away.
        poll_until(a, lambda: len(events) == 4)
        assert events[3] == ("assign", revoked)
    finally:
        a.close()
    assert events[4:] == [("revoke", [0, 1, 2, 3])]  # close() revokes everything
