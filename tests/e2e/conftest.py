"""Fixtures for the end-to-end tests: the real eventlogd and the real eventlog CLI.

Binaries come from $EVENTLOGD and $EVENTLOG_CLI (ctest sets both). Every
process a test starts is registered and killed in the fixture's finalizer,
even when the test fails.
"""
import os
import re
import signal
import subprocess
import tempfile
import threading
import time

import pytest

LISTEN_RE = re.compile(r"listening on (\S+:\d+)")
START_TIMEOUT_S = 30
CLI_TIMEOUT_S = 60


def _binary(var):
    path = os.environ.get(var)
    if not path or not os.access(path, os.X_OK):
        pytest.fail(f"${var} must name the built binary (got {path!r}); run through ctest")
    return path


class Broker:
    """One eventlogd process on 127.0.0.1 with a port picked by the kernel."""

    def __init__(self, binary, data_dir, extra_args=(), env=None):
        self.binary = binary
        self.data_dir = data_dir
        self.extra_args = list(extra_args)
        self.env = env
        self.proc = None
        self.address = None
        self.stdout_lines = []
        self._log = None

    def start(self):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self._log = open(os.path.join(os.path.dirname(self.data_dir), "eventlogd.stderr"), "ab")
        self.proc = subprocess.Popen(
            [self.binary, "--listen=127.0.0.1:0", f"--data_dir={self.data_dir}"] + self.extra_args,
            stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL,
            env=None if self.env is None else {**os.environ, **self.env})
        found = threading.Event()
        lines = self.stdout_lines = []

        def drain(stream):  # keeps the pipe from filling up for the process's lifetime
            for raw in stream:
                line = raw.decode(errors="replace").rstrip("\n")
                lines.append(line)
                if LISTEN_RE.search(line):
                    found.set()
            found.set()

        threading.Thread(target=drain, args=(self.proc.stdout,), daemon=True).start()
        if not found.wait(START_TIMEOUT_S) or not any(LISTEN_RE.search(l) for l in lines):
            self.kill()
            pytest.fail(f"eventlogd did not print 'listening on HOST:PORT'; stdout: {lines}")
        self.address = next(LISTEN_RE.search(l).group(1) for l in lines if LISTEN_RE.search(l))
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def terminate(self, timeout=15):
        """SIGTERM; returns the exit code (fails the test if it does not exit in time)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"eventlogd did not exit within {timeout}s of SIGTERM")
        self._close_log()
        return code

    def kill(self):
        """kill -9, as a crash."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close_log()

    def _close_log(self):
        if self._log is not None:
            self._log.close()
            self._log = None


class Cli:
    """Runs the eventlog CLI against one broker."""

    def __init__(self, binary, broker):
        self.binary = binary
        self.broker = broker

    def argv(self, *args):
        return [self.binary] + [str(a) for a in args] + [f"--server={self.broker.address}"]

    def run(self, *args, input=None, check=True, timeout=CLI_TIMEOUT_S):
        """Runs to completion; stdin `input` is bytes or str. Returns CompletedProcess (text)."""
        if isinstance(input, str):
            input = input.encode()
        proc = subprocess.run(self.argv(*args), input=input if input is not None else b"",
                              capture_output=True, timeout=timeout)
        result = subprocess.CompletedProcess(proc.args, proc.returncode,
                                             proc.stdout.decode(errors="surrogateescape"),
                                             proc.stderr.decode(errors="replace"))
        result.stdout_bytes = proc.stdout
        if check and result.returncode != 0:
            pytest.fail(f"{' '.join(map(str, args))} exited {result.returncode}: {result.stderr}")
        return result


class Processes:
    """Every process a test started outside Broker/Cli.run, killed at teardown."""

    def __init__(self):
        self.procs = []

    def popen(self, argv, **kwargs):
        proc = subprocess.Popen(argv, **kwargs)
        self.procs.append(proc)
        return proc

    def kill_all(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


@pytest.fixture
def workdir():
    with tempfile.TemporaryDirectory(prefix="eventlog-e2e-") as d:
        yield d


@pytest.fixture
def make_broker(workdir):
    """Factory: make_broker(data_dir=None, extra_args=(), env=None) -> started Broker."""
    brokers = []
    binary = _binary("EVENTLOGD")

    def make(data_dir=None, extra_args=(), env=None):
        broker = Broker(binary, data_dir or os.path.join(workdir, "data"), extra_args, env)
        brokers.append(broker)
        return broker.start()

    yield make
    for broker in brokers:
        broker.kill()


@pytest.fixture
def broker(make_broker):
    return make_broker()


@pytest.fixture
def cli(broker):
    return Cli(_binary("EVENTLOG_CLI"), broker)


@pytest.fixture
def cli_binary():
    return _binary("EVENTLOG_CLI")


@pytest.fixture
def processes():
    procs = Processes()
    yield procs
    procs.kill_all()



@pytest.fixture
def make_cli(cli_binary):
    """Factory: make_cli(broker) -> Cli talking to that broker."""
    return lambda broker: Cli(cli_binary, broker)
