"""Where the Python consumer's CPU goes, thread by thread.

Starts eventlogd on a temp dir, produces --records records of 100 B to one
partition, then consumes them with Consumer.poll() --rounds times and prints,
per round, records/s and the CPU per record of the process and of each of
its threads: MainThread (the application's poll()), eventlog-consumer-N
(the reader: a batch's Records, the queue) and gRPC's channel thread
(receiving, parsing). Figures from /proc/self/task/*/stat (clock ticks:
use 1,000,000 records or more).

    /usr/bin/python3 clients/python/benchmarks/consume_threads.py \\
        --eventlogd build/service/eventlogd --records 1000000 --rounds 3
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import threading
import time
from typing import Dict

from perf import _payload, start_broker

from eventlog import Admin, Consumer, Producer, Start


def _thread_cpu() -> Dict[int, float]:
    """CPU seconds (user + system) of each thread of this process."""
    out = {}
    tick = os.sysconf("SC_CLK_TCK")
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # ended meanwhile
        fields = stat[stat.rindex(")") + 2 :].split()
        out[int(tid)] = (int(fields[11]) + int(fields[12])) / tick
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eventlogd", required=True)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--max-batch-records", type=int, default=0)
    args = parser.parse_args()
    n = args.records
    tmp = tempfile.mkdtemp(prefix="eventlog-pythreads-")
    proc, server = start_broker(args.eventlogd, os.path.join(tmp, "data"))
    try:
        with Admin(server) as admin:
            admin.create_topic("t", partitions=1)
        value = _payload(100)
        with Producer(server) as producer:
            for _ in range(n):
                producer.send("t", value)
            producer.flush()
        for _ in range(args.rounds):
            before = _thread_cpu()
            r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            with Consumer(
                server, "t", partitions="all", start=Start.EARLIEST, max_batch_records=args.max_batch_records
            ) as consumer:
                poll = consumer.poll
                for _ in range(n):
                    if poll(timeout=60) is None:
                        raise RuntimeError("consumer stalled")
                after = _thread_cpu()
                names = {t.native_id: t.name for t in threading.enumerate()}
            t1, r1 = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
            cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
            spent = {tid: t - before.get(tid, 0.0) for tid, t in after.items()}
            threads = ", ".join(
                f"{names.get(tid, tid)} {1e6 * s / n:.2f}"
                for tid, s in sorted(spent.items(), key=lambda kv: -kv[1])
                if s * 1e6 / n >= 0.01
            )
            print(
                f"{n / (t1 - t0):,.0f} records/s; CPU us per record: process {1e6 * cpu / n:.2f} "
                f"(system {1e6 * (r1.ru_stime - r0.ru_stime) / n:.2f}); {threads}",
                flush=True,
            )
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
