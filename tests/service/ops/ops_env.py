"""Helpers for the operations tests: the real eventlogd (with its HTTP
listener on an ephemeral port), the real eventlog CLI, HTTP GETs, and a
poll that waits for a condition (its deadline only stops a broken test from
hanging; nothing is asserted about time).

Binaries come from $EVENTLOGD and $EVENTLOG_CLI (ctest sets both);
screenshots and other artifacts go to $OPS_ARTIFACTS_DIR.
"""
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SAFETY_TIMEOUT_S = 90


def binary(var):
    path = os.environ.get(var)
    if not path or not os.access(path, os.X_OK):
        pytest.fail(f"${var} must name the built binary (got {path!r}); run through ctest")
    return path


def artifacts_dir(name):
    root = os.environ.get("OPS_ARTIFACTS_DIR") or os.path.join(SOURCE_DIR, "build", "test-artifacts")
    path = os.path.join(root, name)
    os.makedirs(path, exist_ok=True)
    return path


def free_port():
    """A port the kernel just handed out on 127.0.0.1 (for servers that cannot pick their own)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, what, timeout=SAFETY_TIMEOUT_S, interval=0.25):
    """Polls condition() until it returns something truthy, which it returns."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"gave up waiting for {what} (last: {last!r})")


def http_get(url, token=None, timeout=30):
    """(status, headers, body bytes) of a GET; HTTP errors are returned, not raised."""
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def metric_value(page, series):
    """The value of `series` (name{labels} as written) in a /metrics page, or None."""
    for line in page.splitlines():
        if line.startswith(series + " "):
            return float(line.split(" ")[-1])
    return None


class Eventlogd:
    """One eventlogd on 127.0.0.1 with gRPC and HTTP on ports the kernel picks."""

    def __init__(self, data_dir, extra_args=(), http=True):
        self.data_dir = data_dir
        self.args = [binary("EVENTLOGD"), "--listen=127.0.0.1:0", f"--data_dir={data_dir}"]
        if http:
            self.args.append("--http_listen=127.0.0.1:0")
        self.args += list(extra_args)
        self.stderr_path = os.path.join(os.path.dirname(data_dir), "eventlogd.stderr")
        self.proc = None
        self.address = None
        self.http = None
        self.stdout_lines = []

    def start(self):
        self._stderr = open(self.stderr_path, "ab")
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self._stderr,
                                     stdin=subprocess.DEVNULL)
        ready = threading.Event()
        want_http = any(a.startswith("--http_listen=") and a != "--http_listen=" for a in self.args)

        def drain():
            for raw in self.proc.stdout:
                line = raw.decode(errors="replace").rstrip("\n")
                self.stdout_lines.append(line)
                if (m := re.match(r"listening on (\S+)", line)):
                    self.address = m.group(1)
                if (m := re.match(r"serving HTTP on (\S+)", line)):
                    self.http = "http://" + m.group(1)
                if self.address and (self.http or not want_http):
                    ready.set()
            ready.set()

        threading.Thread(target=drain, daemon=True).start()
        if not ready.wait(30) or not self.address or (want_http and not self.http):
            self.kill()
            pytest.fail(f"eventlogd did not start; stdout {self.stdout_lines}; "
                        f"stderr {self.stderr_text()[-2000:]}")
        return self

    def stderr_text(self):
        with open(self.stderr_path, "rb") as f:
            return f.read().decode(errors="replace")

    def get(self, path, token=None):
        return http_get(self.http + path, token)

    def metrics(self, token=None):
        status, _, body = self.get("/metrics", token)
        assert status == 200, body
        return body.decode()

    def cli(self, *args, input=None, check=True):
        result = subprocess.run([binary("EVENTLOG_CLI"), *map(str, args), f"--server={self.address}"],
                                input=input, capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            pytest.fail(f"eventlog {' '.join(map(str, args))} exited {result.returncode}: "
                        f"{result.stderr}")
        return result

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close()
        return self.proc.returncode

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._close()

    def _close(self):
        if getattr(self, "_stderr", None):
            self._stderr.close()
            self._stderr = None


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]
