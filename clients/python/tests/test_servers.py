"""Bootstrap server lists: "a:1,b:2" reaches whichever broker answers and
fails over when the one in use goes away (two real brokers, separate data)."""

import pytest
from broker import Broker, retry_unavailable

from eventlog import Admin, Consumer, Producer, Start
from eventlog._servers import channel_target, split_servers


@pytest.fixture
def second_broker(eventlogd, tmp_path):
    b = Broker(eventlogd, tmp_path / "second")
    b.start()
    yield b
    b.stop()


def test_server_lists_are_split_and_resolved():
    assert split_servers(" a:1, ,b:2 ") == ["a:1", "b:2"]
    assert channel_target("localhost:7070") == ("localhost:7070", [])
    target, options = channel_target("127.0.0.1:1,localhost:2")
    assert target.startswith("ipv4:127.0.0.1:1,127.0.0.1:2")
    assert options == [("grpc.default_authority", "127.0.0.1:1")]
    with pytest.raises(ValueError):
        split_servers(" , ")
    with pytest.raises(ValueError):
        channel_target("a:1,no-port")


def test_clients_fail_over_to_the_next_server(own_broker, second_broker, topic_name):
    servers = f"{own_broker.target},{second_broker.target}"
    with Admin(servers) as admin:
        admin.create_topic(topic_name)  # on the first broker, which answers
        assert topic_name in {t.name for t in admin.list_topics()}
        with Admin(second_broker.target) as second:
            second.create_topic(topic_name + "-2")
        own_broker.stop()
        # The same client now reaches the second broker.
        names = retry_unavailable(lambda: {t.name for t in admin.list_topics()})
        assert names == {topic_name + "-2"}
    with Producer(servers) as producer:
        assert producer.send(topic_name + "-2", b"v").result(timeout=30).offset == 0
    with Consumer(servers, topic_name + "-2", partitions="all", start=Start.EARLIEST) as consumer:
        record = consumer.poll(timeout=30)
        assert record is not None and record.value == b"v"


def test_a_server_that_is_down_from_the_start_is_skipped(own_broker, second_broker, topic_name):
    own_broker.stop()
    with Admin(f"{own_broker.target},{second_broker.target}") as admin:
        retry_unavailable(lambda: admin.create_topic(topic_name))
        assert topic_name in {t.name for t in admin.list_topics()}
