"""The C++ cluster harness ($CLUSTER_HARNESS) driven from Python, and small
helpers the cluster tests share (tests/clients/test_cluster.py and
test_routing.py, tests/service/kafka/e2e/test_cluster.py)."""

import os
import subprocess
import time

import grpc

from eventlog.v1 import eventlog_pb2 as pb
from eventlog.v1 import eventlog_pb2_grpc as pb_grpc


class Harness:
    """cluster_harness in a subprocess: commands over stdin."""

    def __init__(self, etcd=1, brokers=3, flags=()):
        harness = os.environ.get("CLUSTER_HARNESS")
        if not harness or not os.access(harness, os.X_OK):
            raise RuntimeError(f"$CLUSTER_HARNESS must name the built harness (got {harness!r})")
        extra = [arg for flag in flags for arg in ("--broker_flag", flag)]
        self.proc = subprocess.Popen(
            [harness, "--etcd", str(etcd), "--brokers", str(brokers)] + extra,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.proc.stdout.readline().strip()
        if not line.startswith("ready "):
            self.close()
            raise RuntimeError(f"the cluster did not start: {line}")
        self.addresses = line.split(" ", 1)[1].split(",")

    def command(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        lines = []
        while True:
            line = self.proc.stdout.readline()
            assert line, "the harness exited"
            if line.strip() == "ok" or line.startswith("error: "):
                assert line.strip() == "ok", "".join(lines) + line
                return "".join(lines)
            lines.append(line)

    def kafka(self, index):
        """Broker `index`'s Kafka listener (brokers started with --kafka_listen)."""
        return self.command(f"kafka {index}").strip()

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
            self.proc.wait(timeout=60)


def leaders(address, topic):
    with grpc.insecure_channel(address) as channel:
        metadata = pb_grpc.EventLogStub(channel).GetMetadata(pb.GetMetadataRequest(topics=[topic]), timeout=10)
    return {p.partition: p.leader for p in metadata.topics[0].partitions}


def eventually(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
