"""Routing by metadata (eventlog._route_table): which GetMetadata answers
route where, and when metadata is read again. The cluster side is
tests/clients/test_routing.py; here, the single-broker case against a real
broker (it must behave as without routing) and the table's rules."""

import grpc

from eventlog import Producer
from eventlog._route_table import RouteTable
from eventlog.v1 import eventlog_pb2 as pb


def metadata(brokers, leaders, topic="t"):
    return pb.GetMetadataResponse(
        brokers=[pb.BrokerInfo(id=i, address=a) for i, a in brokers.items()],
        topics=[
            pb.TopicMetadata(
                name=topic, partitions=[pb.PartitionMetadata(partition=p, leader=l) for p, l in leaders.items()]
            )
        ],
    )


def test_leaders_of_a_cluster_are_routed_to_and_unknown_ones_are_not():
    table = RouteTable(True)
    assert table.begin("t").topics == ["t"]  # a new topic: read at once
    table.applied(metadata({1: "a:1", 2: "b:2"}, {0: 1, 1: 2, 2: -1}))
    assert [table.lookup("t", p) for p in range(4)] == ["a:1", "b:2", None, None]
    assert table.lookup("other", 0) is None
    assert table.begin("t") is None  # fresh
    assert table.begin("other").topics == ["other", "t"]  # a new topic is read at once, with the others


def test_a_single_broker_is_never_routed_to():
    table = RouteTable(True)
    table.begin("t")
    table.applied(metadata({0: "advertised:7070"}, {0: 0, 1: 0}))
    assert table.lookup("t", 0) is None and table.lookup("t", 1) is None


def test_a_broker_without_get_metadata_turns_routing_off():
    table = RouteTable(True)
    table.begin("t")
    table.failed(grpc.StatusCode.UNIMPLEMENTED)
    assert table.begin("t") is None and table.begin("new") is None
    assert table.lookup("t", 0) is None


def test_a_failed_broker_is_avoided_and_metadata_is_read_again_after_the_backoff():
    table = RouteTable(True, backoff=0.0)
    table.begin("t")
    table.applied(metadata({1: "a:1", 2: "b:2"}, {0: 1, 1: 2}))
    table.invalidate("a:1")
    assert table.lookup("t", 0) is None  # paused
    assert table.lookup("t", 1) == "b:2"
    assert table.begin("t") is not None  # stale: read again
    slow = RouteTable(True, backoff=60.0)
    slow.begin("t")
    slow.applied(metadata({1: "a:1", 2: "b:2"}, {0: 1}))
    slow.invalidate()
    assert slow.begin("t") is None  # within the backoff


def test_routing_off_never_asks():
    assert RouteTable(False).begin("t") is None


def test_on_a_single_broker_the_producer_uses_its_one_stream(admin, target, topic_name):
    admin.create_topic(topic_name, partitions=4)
    with Producer(target) as producer:
        metas = [producer.send(topic_name, f"v{i}", key=f"k{i}").result(timeout=30) for i in range(40)]
        assert producer._router.table.refreshes == 1  # it asked once
        assert list(producer._sender._streams) == [None]  # and sent everything on the bootstrap stream
    assert len({(m.partition, m.offset) for m in metas}) == 40
