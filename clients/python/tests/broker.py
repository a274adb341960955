"""Starts and stops a real eventlogd for the tests.

The binary comes from $EVENTLOGD (ctest sets it to the built target). The
broker listens on 127.0.0.1 with a free port (or a given one, to restart on
the same address) and its data in a temp dir; its stderr goes to a log file
that failing tests can show. Only processes started here are ever signalled.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Optional

_LISTENING = re.compile(r"listening on (\S+):(\d+)")


def _die_with_us() -> list:
    """A prefix that makes the broker get SIGKILL if the test process dies
    (e.g. killed by a ctest timeout), so no broker outlives its test."""
    setpriv = shutil.which("setpriv")  # util-linux
    return [setpriv, "--pdeathsig", "KILL", "--"] if setpriv else []


class Broker:
    def __init__(self, binary: str, data_dir: Path) -> None:
        self.binary = binary
        self.data_dir = data_dir
        self.log_path = data_dir.parent / f"{data_dir.name}.log"
        self.port = 0
        self.target = ""
        self._proc: Optional[subprocess.Popen] = None

    def start(self, port: int = 0, timeout: float = 30.0) -> str:
        """Starts eventlogd and returns its "host:port" once it listens."""
        assert self._proc is None, "already running"
        log = open(self.log_path, "ab")
        self._proc = subprocess.Popen(
            _die_with_us() + [self.binary, f"--listen=127.0.0.1:{port}", f"--data_dir={self.data_dir}"],
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
        log.close()
        lines: "queue.Queue[Optional[str]]" = queue.Queue()
        threading.Thread(target=self._drain, args=(self._proc, lines), daemon=True).start()
        while True:
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:
                self.stop()
                raise RuntimeError(f"eventlogd did not print 'listening on' within {timeout}s; {self.log_tail()}")
            if line is None:
                code = self._proc.wait()
                self._proc = None
                raise RuntimeError(f"eventlogd exited with {code} before listening; {self.log_tail()}")
            m = _LISTENING.search(line)
            if m:
                self.port = int(m.group(2))
                self.target = f"127.0.0.1:{self.port}"
                return self.target

    @staticmethod
    def _drain(proc: subprocess.Popen, lines: "queue.Queue[Optional[str]]") -> None:
        # Keeps reading so that the broker never blocks on a full stdout pipe.
        assert proc.stdout is not None
        for raw in proc.stdout:
            lines.put(raw.decode(errors="replace"))
        lines.put(None)

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM, then SIGKILL after `timeout`; returns the exit code."""
        proc, self._proc = self._proc, None
        if proc is None:
            return 0
        proc.terminate()
        try:
            return proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()

    def restart(self) -> str:
        """Stops and starts again on the same port and data."""
        self.stop()
        return self.start(port=self.port)

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "no broker log"
        return "broker log tail:\n" + "\n".join(text[-lines:])


def binary_from_env() -> str:
    path = os.environ.get("EVENTLOGD", "")
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError(
            f"EVENTLOGD={path!r} is not an executable eventlogd; build it "
            "(cmake --build <dir> --target eventlogd) and set EVENTLOGD to its path"
        )
    return path


def retry_unavailable(fn, attempts: int = 150, delay: float = 0.2):
    """Calls fn() until it stops raising UNAVAILABLE: right after a broker
    restart, gRPC channels fail fast until their reconnect backoff ends."""
    import time

    import grpc

    from eventlog import EventLogError

    for attempt in range(attempts):
        try:
            return fn()
        except EventLogError as e:
            if e.code != grpc.StatusCode.UNAVAILABLE or attempt == attempts - 1:
                raise
            time.sleep(delay)
