"""CallWatch (no broker): exactly one of a call's reader and its watchdog
handles the end of the call."""

import threading

from eventlog._call_watch import CallWatch


class FakeCall:
    def __init__(self):
        self._callbacks = []

    def add_done_callback(self, callback):
        self._callbacks.append(callback)

    def finish(self):
        for callback in self._callbacks:
            callback(self)


def test_watchdog_takes_over_a_stuck_reader():
    call = FakeCall()
    seen = []
    watch = CallWatch(call, lambda c, w: seen.append((c, w)), grace=0.01)
    call.finish()  # the reader never claims: it is stuck
    watch.timer.join(10)
    assert seen == [(call, watch)]
    assert watch.abandoned
    assert not watch.claim()  # a reader that wakes up later must stand down


def test_a_reader_that_claims_keeps_the_watchdog_away():
    call = FakeCall()
    seen = []
    watch = CallWatch(call, lambda c, w: seen.append(c), grace=0.01)
    assert watch.claim()
    call.finish()
    watch.timer.join(10)
    assert seen == []
    assert not watch.abandoned


def test_claim_is_won_once_under_contention():
    watch = CallWatch(FakeCall(), lambda c, w: None)
    wins = []
    threads = [threading.Thread(target=lambda: wins.append(watch.claim())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]
