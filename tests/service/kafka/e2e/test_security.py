"""The Kafka listener with the gRPC API's security: TLS with the same
certificate, SASL/PLAIN with the same bearer tokens (username: the token's
principal, password: the token) and the same ACL rules; with mutual TLS the
client certificate's CN is the principal (kcat, kafka-python)."""
import json
import os
import subprocess
import tempfile

import pytest

from conftest import start_broker, unique

KCAT = "/usr/bin/kcat"
MAKE_CERTS = os.path.join(os.path.dirname(__file__), "..", "..", "security", "make_test_certs.sh")
TOKENS = "alice-token alice\nops-token ops\nreader-token reader\n"
ACL = ("alice write,read topic:alice-*\nalice read group:alice-*\nops all topic:*\n"
       "reader read topic:*\n")
MTLS_ACL = "alice all topic:alice-*\nalice read group:alice-*\n"


@pytest.fixture(scope="module")
def secure():
    with tempfile.TemporaryDirectory(prefix="eventlog-kafka-sec-") as tmp:
        certs = os.path.join(tmp, "certs")
        subprocess.run([MAKE_CERTS, certs], check=True, timeout=60)
        for name, text in (("tokens", TOKENS), ("acl", ACL)):
            with open(os.path.join(tmp, name), "w") as f:
                f.write(text)
        broker = start_broker(tmp, [f"--tls_cert={certs}/server.pem",
                                    f"--tls_key={certs}/server.key",
                                    f"--auth_tokens={tmp}/tokens", f"--acl={tmp}/acl"])
        broker.ca = f"{certs}/ca.pem"
        yield broker
        broker.kill()


@pytest.fixture(scope="module")
def mutual():
    """Mutual TLS and the ACL, no tokens: the certificate names the client."""
    with tempfile.TemporaryDirectory(prefix="eventlog-kafka-mtls-") as tmp:
        certs = os.path.join(tmp, "certs")
        subprocess.run([MAKE_CERTS, certs], check=True, timeout=60)
        with open(os.path.join(tmp, "acl"), "w") as f:
            f.write(MTLS_ACL)
        broker = start_broker(tmp, [f"--tls_cert={certs}/server.pem",
                                    f"--tls_key={certs}/server.key",
                                    f"--tls_client_ca={certs}/ca.pem", f"--acl={tmp}/acl"])
        broker.certs = certs
        yield broker
        broker.kill()


def kcat(broker, user, password, *args, input=None, wait_s=10):
    return subprocess.run(
        [KCAT, "-b", broker.kafka, "-X", "security.protocol=SASL_SSL", "-X",
         f"ssl.ca.location={broker.ca}", "-X", "sasl.mechanisms=PLAIN", "-X",
         f"sasl.username={user}", "-X", f"sasl.password={password}", "-m", str(wait_s)]
        + list(args),
        input=input, capture_output=True, timeout=60)


def grpc(broker, *args, token="ops-token", input=None):
    return broker.cli(*args, f"--tls_ca={broker.ca}", f"--token={token}", input=input)


def test_a_token_authenticates_and_the_acl_decides(secure):
    mine, other = unique("alice-topic"), unique("bob-topic")
    grpc(secure, "topic", "create", mine)
    grpc(secure, "topic", "create", other)
    meta = kcat(secure, "alice", "alice-token", "-L", "-J")
    assert meta.returncode == 0, meta.stderr
    names = [t["topic"] for t in json.loads(meta.stdout)["topics"]]
    assert mine in names and other not in names  # only what alice may use
    ok = kcat(secure, "alice", "alice-token", "-P", "-t", mine, input=b"hello\n")
    assert ok.returncode == 0, ok.stderr
    read = kcat(secure, "alice", "alice-token", "-C", "-t", mine, "-e", "-f", "%s\\n")
    assert read.stdout.decode() == "hello\n", read.stderr
    denied = kcat(secure, "alice", "alice-token", "-P", "-t", other, input=b"nope\n")
    assert b"authorization failed" in denied.stderr.lower(), denied.stderr
    # The same token over gRPC reads what alice wrote over Kafka.
    out = grpc(secure, "consume", mine, token="alice-token").stdout
    assert out.splitlines() == ["hello"]


def test_a_wrong_token_or_another_principals_name_is_refused(secure):
    for user, password in (("alice", "wrong"), ("ops", "alice-token")):
        refused = kcat(secure, user, password, "-L", wait_s=2)
        assert refused.returncode != 0
        assert b"authentication" in refused.stderr.lower(), refused.stderr


def test_plaintext_is_refused_on_a_tls_listener(secure):
    plain = subprocess.run([KCAT, "-b", secure.kafka, "-L", "-m", "2"], capture_output=True,
                           timeout=60)
    assert plain.returncode != 0


def sasl_settings(broker, user, password):
    """librdkafka (confluent-kafka) settings for SASL/PLAIN over TLS."""
    return {"bootstrap.servers": broker.kafka, "security.protocol": "SASL_SSL",
            "ssl.ca.location": broker.ca, "sasl.mechanisms": "PLAIN",
            "sasl.username": user, "sasl.password": password}


def test_a_consumer_group_outside_the_acl_is_refused(secure):
    from confluent_kafka import Consumer, KafkaError
    topic = unique("alice-grp")
    grpc(secure, "topic", "create", topic)
    errors = []
    consumer = Consumer({**sasl_settings(secure, "alice", "alice-token"),
                         "group.id": unique("bob-group"),  # alice may read alice-* groups only
                         "auto.offset.reset": "earliest",
                         "error_cb": errors.append})
    consumer.subscribe([topic])
    seen = []
    for _ in range(40):
        message = consumer.poll(0.5)
        if message is not None and message.error() is not None:
            seen.append(message.error())
        if any(e.code() == KafkaError.GROUP_AUTHORIZATION_FAILED for e in seen + errors):
            break
    consumer.close()
    assert any(e.code() == KafkaError.GROUP_AUTHORIZATION_FAILED for e in seen + errors), \
        (seen, errors)


def test_an_idempotent_producer_needs_write_on_some_topic(secure):
    from confluent_kafka import KafkaError, KafkaException, Producer
    topic = unique("reader-idem")
    grpc(secure, "topic", "create", topic)
    errors = []
    producer = Producer({**sasl_settings(secure, "reader", "reader-token"),
                         "enable.idempotence": True, "error_cb": errors.append})
    producer.produce(topic, b"refused")
    try:
        producer.flush(10)
    except KafkaException as fatal:  # librdkafka makes it a fatal error
        errors.append(fatal.args[0])
    assert any(e.code() == KafkaError.CLUSTER_AUTHORIZATION_FAILED for e in errors), errors
    assert grpc(secure, "consume", topic).stdout == ""


def test_kafka_python_authenticates_with_a_token_over_tls(secure):
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    topic = unique("alice-kp")
    grpc(secure, "topic", "create", topic)
    settings = dict(bootstrap_servers=secure.kafka, security_protocol="SASL_SSL",
                    ssl_cafile=secure.ca, sasl_mechanism="PLAIN",
                    sasl_plain_username="alice", sasl_plain_password="alice-token")
    producer = KafkaProducer(**settings)
    producer.send(topic, b"over tls").get(10)
    producer.close()
    consumer = KafkaConsumer(**settings, consumer_timeout_ms=10000)
    consumer.assign([TopicPartition(topic, 0)])
    consumer.seek_to_beginning()
    assert next(iter(consumer)).value == b"over tls"
    consumer.close()


def test_mutual_tls_makes_the_certificate_name_the_principal(mutual):
    from confluent_kafka.admin import AdminClient, NewTopic
    certs = mutual.certs
    ssl = {"security.protocol": "SSL", "ssl.ca.location": f"{certs}/ca.pem",
           "ssl.certificate.location": f"{certs}/client.pem",  # CN=alice
           "ssl.key.location": f"{certs}/client.key"}
    admin = AdminClient({"bootstrap.servers": mutual.kafka, **ssl})
    mine, other = unique("alice-mtls"), unique("bob-mtls")
    results = admin.create_topics([NewTopic(mine, 1, 1), NewTopic(other, 1, 1)])
    results[mine].result(30)
    with pytest.raises(Exception, match="TOPIC_AUTHORIZATION_FAILED"):
        results[other].result(30)
    flags = [f"-X{k}={v}" for k, v in ssl.items()]
    produced = subprocess.run([KCAT, "-b", mutual.kafka, *flags, "-P", "-t", mine],
                              input=b"by certificate\n", capture_output=True, timeout=60)
    assert produced.returncode == 0, produced.stderr
    read = subprocess.run([KCAT, "-b", mutual.kafka, *flags, "-C", "-t", mine, "-e", "-f",
                           "%s\\n"], capture_output=True, timeout=60)
    assert read.stdout == b"by certificate\n", read.stderr
    mallory = subprocess.run(
        [KCAT, "-b", mutual.kafka, "-X", "security.protocol=SSL",
         "-X", f"ssl.ca.location={certs}/ca.pem",
         "-X", f"ssl.certificate.location={certs}/other-client.pem",
         "-X", f"ssl.key.location={certs}/other-client.key", "-L", "-m", "2"],
        capture_output=True, timeout=60)
    assert mallory.returncode != 0  # a certificate from another CA
