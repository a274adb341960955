"""Group-mode consumers (Subscribe with a group)."""

import threading

import grpc
import pytest

from eventlog import Consumer, FailedPreconditionError, Producer, Start


def produce_keys(target, topic, count):
    with Producer(target) as producer:
        futures = [producer.send(topic, f"v{i}", key=f"k{i}") for i in range(count)]
        return [f.result(timeout=30) for f in futures]


def wait_for_assignment(consumer, predicate, polls=300):
    """Polls (which keeps the member active) until the assignment matches."""
    for _ in range(polls):
        a = consumer.assignment
        if a is not None and predicate(a):
            return a
        consumer.poll(timeout=0.1)
    pytest.fail(f"assignment never matched; last: {consumer.assignment}")


def test_single_member_gets_every_partition_and_commits(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=3)
    metas = produce_keys(target, topic_name, 9)
    group = topic_name + "-g"
    with Consumer(target, topic_name, group=group, reset_to="earliest") as c:
        got = []
        while len(got) < 9:
            record = c.poll(timeout=30)
            assert record is not None
            got.append(record)
        assert c.assignment.partitions == [0, 1, 2]
        assert c.assignment.generation > 0
        assert c.assignment.member_id
        c.commit()
    assert sorted((r.partition, r.offset) for r in got) == sorted((m.partition, m.offset) for m in metas)
    committed = admin.fetch_committed_offsets(group, topic_name)
    high = admin.list_offsets(topic_name, "latest")
    assert {p: o.offset for p, o in committed.items()} == {p: h for p, h in high.items() if h > 0}
    assert group in admin.list_groups()


def test_two_members_split_partitions_and_stale_commit_fails(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=4)
    group = topic_name + "-g"
    first = Consumer(target, topic_name, group=group, reset_to="earliest")
    try:
        a1 = wait_for_assignment(first, lambda a: len(a.partitions) == 4)
        second = Consumer(target, topic_name, group=group, reset_to="earliest")
        try:
            # Both keep polling (in two threads) until the rebalance settles.
            done = threading.Event()
            t = threading.Thread(target=lambda: [second.poll(0.1) for _ in range(300) if not done.is_set()])
            t.start()
            a1b = wait_for_assignment(first, lambda a: a.generation > a1.generation and len(a.partitions) == 2)
            done.set()
            t.join()
            a2 = wait_for_assignment(second, lambda a: a.generation == a1b.generation)
            assert sorted(a1b.partitions + a2.partitions) == [0, 1, 2, 3]
            described = admin.describe_group(group)
            assert described.generation == a1b.generation
            assert sorted(p for m in described.members for p in m.partitions) == [0, 1, 2, 3]
        finally:
            second.close()
        # A commit with the generation before the rebalance is refused.
        from eventlog.v1 import eventlog_pb2 as pb
        from eventlog.v1 import eventlog_pb2_grpc as pb_grpc

        with grpc.insecure_channel(target) as channel:
            with pytest.raises(grpc.RpcError) as err:
                pb_grpc.EventLogStub(channel).CommitOffset(
                    pb.CommitOffsetRequest(
                        group=group, topic=topic_name, partition=a1b.partitions[0], offset=0, generation=a1.generation
                    )
                )
            assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    finally:
        first.close()


def test_a_standalone_commit_to_a_group_with_live_members_is_refused(admin, target, topic_name):
    # Only members commit while a group has any: a standalone consumer (explicit
    # partitions) naming the group is a mistake worth raising. (A member's own
    # commits for a generation that just ended are not raised: test_rebalance.)
    admin.create_topic(topic_name, partitions=2)
    group = topic_name + "-g"
    with Consumer(target, topic_name, group=group) as member:
        wait_for_assignment(member, lambda a: len(a.partitions) == 2)
        with Consumer(target, topic_name, group=group, partitions=[0], start=Start.EARLIEST) as standalone:
            with pytest.raises(FailedPreconditionError) as err:
                standalone.commit({0: 0})
        assert "live member" in err.value.message


def test_auto_commit_in_group(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=1)
    produce_keys(target, topic_name, 3)
    group = topic_name + "-g"
    with Consumer(target, topic_name, group=group, reset_to="earliest", auto_commit=True) as c:
        for _ in range(3):
            assert c.poll(timeout=30) is not None
    assert admin.fetch_committed_offsets(group, topic_name)[0].offset == 3


def test_group_resumes_from_committed(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=1)
    produce_keys(target, topic_name, 4)
    group = topic_name + "-g"
    with Consumer(target, topic_name, group=group, reset_to="earliest") as c:
        assert [c.poll(timeout=30).offset for _ in range(2)] == [0, 1]
        c.commit()
    with Consumer(target, topic_name, group=group, start=Start.COMMITTED) as c:
        assert c.poll(timeout=30).offset == 2


def test_seek_in_group_rejoins_at_the_offset(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=1)
    produce_keys(target, topic_name, 5)
    group = topic_name + "-g"
    with Consumer(target, topic_name, group=group, reset_to="earliest") as c:
        assert [c.poll(timeout=30).offset for _ in range(3)] == [0, 1, 2]
        before = c.assignment
        c.seek(0, 1)
        assert admin.fetch_committed_offsets(group, topic_name)[0].offset == 1
        assert [c.poll(timeout=30).offset for _ in range(4)] == [1, 2, 3, 4]
        assert c.assignment.generation > before.generation
        assert c.assignment.member_id != before.member_id


class _RecordCommits(grpc.UnaryUnaryClientInterceptor):
    """Keeps every CommitOffset(s)Request the consumer sends to the real broker."""

    def __init__(self) -> None:
        self.requests = []

    def intercept_unary_unary(self, continuation, details, request):
        if details.method.endswith(("/CommitOffset", "/CommitOffsets")):
            self.requests.append(request)
        return continuation(details, request)


def test_group_commit_names_the_member_and_generation_of_the_assignment(admin, target, topic_name):
    # The broker refuses a commit from a member that does not own the
    # partition in that generation, so a member must say who it is.
    admin.create_topic(topic_name, partitions=2)
    produce_keys(target, topic_name, 4)
    recorder = _RecordCommits()
    channel = grpc.intercept_channel(grpc.insecure_channel(target), recorder)
    try:
        with Consumer(channel, topic_name, group=topic_name + "-g", reset_to="earliest") as c:
            assert c.poll(timeout=30) is not None
            assignment = c.assignment
            c.commit()
    finally:
        channel.close()
    assert recorder.requests
    for request in recorder.requests:
        assert request.member_id == assignment.member_id
        assert request.generation == assignment.generation


def test_a_commit_future_cannot_be_cancelled_and_the_committer_carries_on(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=1)
    produce_keys(target, topic_name, 50)
    group = topic_name + "-g"
    with Consumer(target, topic_name, group=group, reset_to="earliest", auto_commit=False) as c:
        pending = []
        for _ in range(50):
            assert c.poll(timeout=30) is not None
            pending.append(c.commit_async())
        # Commits queued together share one future: not one caller's to cancel.
        assert not any(f.cancel() for f in pending)
        results = [f.result(timeout=30) for f in pending]
        assert results[-1] == {0: 50}
        assert c.commit() == {0: 50}  # the committer still runs
    assert admin.fetch_committed_offsets(group, topic_name)[0].offset == 50
