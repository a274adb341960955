"""Fixtures for the Kafka front door's end-to-end tests: the real eventlogd
($EVENTLOGD) serving gRPC and Kafka on 127.0.0.1, the real eventlog CLI
($EVENTLOG_CLI), and real Kafka clients nobody here wrote (kcat,
confluent-kafka on librdkafka, kafka-python, kafkajs).

One broker per test file (module scope) keeps the run short; tests use
topic and group names of their own. The broker stops when the module ends,
failing or not.
"""
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

START_TIMEOUT_S = 30
CLI_TIMEOUT_S = 60
GRPC_RE = re.compile(r"^listening on (\S+:\d+)")
KAFKA_RE = re.compile(r"^kafka listening on (\S+:\d+)")


def binary(var):
    path = os.environ.get(var)
    if not path or not os.access(path, os.X_OK):
        pytest.fail(f"${var} must name the built binary (got {path!r}); run through ctest")
    return path


def free_port():
    """A port the kernel just handed out (so that a restarted broker can keep it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """eventlogd with gRPC and Kafka listeners on fixed 127.0.0.1 ports (kept
    across restart()), its data in `data_dir`."""

    def __init__(self, data_dir, extra_args=()):
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.grpc_port = free_port()
        self.kafka_port = free_port()
        self.proc = None
        self.log_path = os.path.join(os.path.dirname(data_dir), "eventlogd.stderr")

    @property
    def address(self):
        return f"127.0.0.1:{self.grpc_port}"

    @property
    def kafka(self):
        return f"127.0.0.1:{self.kafka_port}"

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [binary("EVENTLOGD"), f"--listen={self.address}", f"--kafka_listen={self.kafka}",
             f"--data_dir={self.data_dir}", "--kafka_group_initial_rebalance_delay_ms=200"]
            + self.extra_args,
            stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        ready = threading.Event()
        lines = []

        def drain(stream):
            for raw in stream:
                line = raw.decode(errors="replace").rstrip("\n")
                lines.append(line)
                if GRPC_RE.match(line):
                    ready.set()
            ready.set()

        threading.Thread(target=drain, args=(self.proc.stdout,), daemon=True).start()
        if not ready.wait(START_TIMEOUT_S) or not any(GRPC_RE.match(l) for l in lines):
            self.kill()
            pytest.fail(f"eventlogd did not start; stdout {lines}; stderr in {self.log_path}")
        assert any(KAFKA_RE.match(l) for l in lines), lines
        return self

    def stop(self, timeout=20):
        """SIGTERM and wait; returns the exit status."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"eventlogd did not exit within {timeout}s of SIGTERM")

    def restart(self):
        assert self.stop() == 0
        return self.start()

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def cli(self, *args, input=None, check=True):
        """Runs the eventlog CLI against this broker; returns CompletedProcess (text)."""
        proc = subprocess.run(
            [binary("EVENTLOG_CLI")] + [str(a) for a in args] + [f"--server={self.address}"],
            input=input.encode() if isinstance(input, str) else (input or b""),
            capture_output=True, timeout=CLI_TIMEOUT_S)
        result = subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(),
                                             proc.stderr.decode(errors="replace"))
        if check and result.returncode != 0:
            pytest.fail(f"eventlog {' '.join(map(str, args))} exited {result.returncode}: "
                        f"{result.stderr}")
        return result


def start_broker(tmp, extra_args=()):
    return Broker(os.path.join(tmp, "data"), extra_args).start()


@pytest.fixture(scope="module")
def broker():
    with tempfile.TemporaryDirectory(prefix="eventlog-kafka-e2e-") as tmp:
        b = start_broker(tmp)
        yield b
        b.kill()


def unique(prefix):
    """A topic or group name of its own."""
    return f"{prefix}-{os.getpid()}-{time.monotonic_ns() % 10**9}"


def wait_until(predicate, timeout=30, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")
