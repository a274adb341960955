"""Producers left open when the interpreter exits are flushed, loudly.

A Producer's sender is a daemon thread: without this, records still queued
at exit would be dropped without a word. Every open Producer registers here;
at exit, each one still open logs a warning (the "eventlog" logger; with no
logging configured Python prints it to stderr), is closed (so its records
are sent and acknowledged, for up to EXIT_FLUSH_SECONDS), and what could not
be acknowledged in that time is reported as an error.

Thread-safe (a lock around a weak set).
"""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from typing import Protocol

__all__ = ["EXIT_FLUSH_SECONDS", "register", "unregister"]

EXIT_FLUSH_SECONDS = 10.0

_log = logging.getLogger("eventlog")


class _Flushable(Protocol):
    def pending(self) -> int: ...

    def close(self, timeout: "float | None" = None) -> None: ...


_lock = threading.Lock()
_open: "weakref.WeakSet[_Flushable]" = weakref.WeakSet()


def register(producer: _Flushable) -> None:
    with _lock:
        _open.add(producer)


def unregister(producer: _Flushable) -> None:
    with _lock:
        _open.discard(producer)


@atexit.register
def _flush_at_exit() -> None:
    with _lock:
        producers = list(_open)
    for producer in producers:
        pending = producer.pending()
        _log.warning(
            "eventlog: a Producer was still open at exit; closing it%s (close it, or use it in a `with` block)",
            f" and sending its {pending} unacknowledged record(s)" if pending else "",
        )
        producer.close(EXIT_FLUSH_SECONDS)
        left = producer.pending()
        if left:
            _log.error("eventlog: %d record(s) were not acknowledged within %g s at exit", left, EXIT_FLUSH_SECONDS)
