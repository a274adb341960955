#!/usr/bin/env python3
"""Throughput of the Python client: produce N records with Producer, then
consume them with Consumer, several runs, medians printed.

    perf.py --eventlogd build/service/eventlogd      # starts its own broker
    perf.py --server 127.0.0.1:7070                  # or uses a running one
    perf.py --client confluent-kafka --server 127.0.0.1:9092   # an anchor

--client eventlog (default) measures this library; confluent-kafka and
kafka-python measure those libraries against a Kafka listener (eventlogd's
--kafka_listen, or Kafka itself) with the same workload, so the figures
compare side by side. Each run uses a fresh topic. Client and broker share
the machine: say so with the figures (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from typing import Callable, Dict, List, Tuple

Run = Callable[[argparse.Namespace, str], Tuple[float, float]]  # (produce s, consume s)


def _payload(size: int) -> bytes:
    return (b"0123456789abcdef" * (size // 16 + 1))[:size]


def run_eventlog(args: argparse.Namespace, topic: str) -> Tuple[float, float]:
    from eventlog import Admin, Consumer, Producer, Start

    with Admin(args.server) as admin:
        admin.create_topic(topic, partitions=args.partitions)
    value = _payload(args.record_size)
    start = time.perf_counter()
    with Producer(args.server, acks=args.acks, linger=args.linger_ms / 1000, batch_records=args.batch) as producer:
        if args.api == "batch":  # send_batch() of --batch records at a time
            values = [value] * args.batch
            for first in range(0, args.records, args.batch):
                count = min(args.batch, args.records - first)
                keys = [str(i) for i in range(first, first + count)] if args.keys else None
                last = producer.send_batch(topic, values[:count], keys=keys)[-1]
        else:
            send = producer.send
            for i in range(args.records):
                last = send(topic, value, key=str(i) if args.keys else None)
        producer.flush()
        assert last.result().offset >= 0
    produced = time.perf_counter() - start

    start = time.perf_counter()
    if args.commit_per_record:  # a group member committing after every record
        with Consumer(args.server, topic, group=topic, reset_to="earliest") as consumer:
            commit = consumer.commit_async
            for count, _ in enumerate(consumer, start=1):
                commit()
                if count == args.records:
                    break
            consumer.commit()
    else:
        with Consumer(args.server, topic, partitions="all", start=Start.EARLIEST) as consumer:
            poll = consumer.poll
            for _ in range(args.records):
                if poll(timeout=60) is None:
                    raise RuntimeError("consumer stalled")
    consumed = time.perf_counter() - start
    return produced, consumed


def run_confluent_kafka(args: argparse.Namespace, topic: str) -> Tuple[float, float]:
    from confluent_kafka import Consumer, Producer
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": args.server})
    admin.create_topics([NewTopic(topic, args.partitions, 1)])[topic].result(30)
    value = _payload(args.record_size)
    producer = Producer(
        {
            "bootstrap.servers": args.server,
            "acks": "all" if args.acks == "all" else "1",
            "linger.ms": args.linger_ms,
            "batch.num.messages": args.batch,
            "partitioner": "murmur2_random",
        }
    )
    start = time.perf_counter()
    for i in range(args.records):
        key = str(i) if args.keys else None
        while True:
            try:
                producer.produce(topic, value, key)
                break
            except BufferError:
                producer.poll(0.01)
    producer.flush(120)
    produced = time.perf_counter() - start

    consumer = Consumer(
        {"bootstrap.servers": args.server, "group.id": topic, "auto.offset.reset": "earliest", "enable.auto.commit": False}
    )
    consumer.subscribe([topic])
    start = time.perf_counter()
    got = 0
    while got < args.records:
        batch = consumer.consume(1000, 60)
        if not batch:
            raise RuntimeError("consumer stalled")
        got += sum(1 for m in batch if m.error() is None)
    consumed = time.perf_counter() - start
    consumer.close()
    return produced, consumed


def run_kafka_python(args: argparse.Namespace, topic: str) -> Tuple[float, float]:
    from kafka import KafkaConsumer, KafkaProducer
    from kafka.admin import KafkaAdminClient, NewTopic

    admin = KafkaAdminClient(bootstrap_servers=args.server)
    admin.create_topics([NewTopic(topic, args.partitions, 1)])
    admin.close()
    value = _payload(args.record_size)
    producer = KafkaProducer(
        bootstrap_servers=args.server, acks="all" if args.acks == "all" else 1, linger_ms=args.linger_ms
    )
    start = time.perf_counter()
    for i in range(args.records):
        producer.send(topic, value, key=str(i).encode() if args.keys else None)
    producer.flush()
    produced = time.perf_counter() - start
    producer.close()

    consumer = KafkaConsumer(topic, bootstrap_servers=args.server, auto_offset_reset="earliest", group_id=topic)
    start = time.perf_counter()
    got = 0
    while got < args.records:
        polled = consumer.poll(timeout_ms=60000, max_records=10000)
        if not polled:
            raise RuntimeError("consumer stalled")
        got += sum(len(v) for v in polled.values())
    consumed = time.perf_counter() - start
    consumer.close()
    return produced, consumed


CLIENTS: Dict[str, Run] = {
    "eventlog": run_eventlog,
    "confluent-kafka": run_confluent_kafka,
    "kafka-python": run_kafka_python,
}


def start_broker(binary: str, data_dir: str) -> Tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [binary, "--listen=127.0.0.1:0", f"--data_dir={data_dir}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    match = re.search(r"listening on (\S+)", proc.stdout.readline())
    if match is None:
        proc.kill()
        raise RuntimeError("eventlogd did not start")
    return proc, match.group(1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--client", choices=sorted(CLIENTS), default="eventlog")
    parser.add_argument("--server", default=os.environ.get("EVENTLOG_SERVER", ""))
    parser.add_argument("--eventlogd", help="start this eventlogd on a temp dir (eventlog client only)")
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--record-size", type=int, default=100)
    parser.add_argument("--partitions", type=int, default=1)
    parser.add_argument("--keys", action="store_true", help="a distinct key per record")
    parser.add_argument("--acks", choices=["leader", "all"], default="all")
    parser.add_argument("--linger-ms", type=float, default=5)
    parser.add_argument("--batch", type=int, default=1000, help="records per batch")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--api", choices=["send", "batch"], default="send", help="eventlog: send() or send_batch()")
    parser.add_argument(
        "--commit-per-record", action="store_true", help="eventlog: consume as a group member, commit_async() per record"
    )
    args = parser.parse_args()

    proc = None
    tmp = None
    if args.eventlogd:
        tmp = tempfile.mkdtemp(prefix="eventlog-pyperf-")
        proc, args.server = start_broker(args.eventlogd, os.path.join(tmp, "data"))
    if not args.server:
        parser.error("give --server (or $EVENTLOG_SERVER) or --eventlogd")
    try:
        results: List[Tuple[float, float]] = []
        mb = args.records * args.record_size / 1e6
        for run in range(args.runs):
            produce_s, consume_s = CLIENTS[args.client](args, f"pyperf-{uuid.uuid4().hex[:12]}")
            results.append((produce_s, consume_s))
            print(
                f"run {run + 1}: produce {args.records / produce_s:,.0f} records/s ({mb / produce_s:.1f} MB/s), "
                f"consume {args.records / consume_s:,.0f} records/s ({mb / consume_s:.1f} MB/s)",
                flush=True,
            )
        produce_rates = [args.records / p for p, _ in results]
        consume_rates = [args.records / c for _, c in results]
        print(
            f"{args.client}: {args.records} records of {args.record_size} B, acks={args.acks}, "
            f"{args.partitions} partition(s), {args.runs} runs, client and broker on {os.cpu_count()} shared cores"
        )
        print(
            f"median produce {statistics.median(produce_rates):,.0f} records/s "
            f"[{min(produce_rates):,.0f} - {max(produce_rates):,.0f}]"
        )
        print(
            f"median consume {statistics.median(consume_rates):,.0f} records/s "
            f"[{min(consume_rates):,.0f} - {max(consume_rates):,.0f}]"
        )
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
