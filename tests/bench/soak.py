#!/usr/bin/python3
"""Memory soak: eventlogd under steady produce and consume load for --minutes, its RSS sampled
every --sample_s seconds. Prints the samples, then min, max and mean RSS per 2-minute window:
flat means the later windows do not climb (single samples swing with what is in flight).

Load, all at once against one eventlogd on 127.0.0.1 (data in a fresh temp dir on the real disk):
  - `eventlog perf latency`: --rate records/s (10 per request, acks=all) with a live subscriber;
  - a loop of `eventlog perf consume` from the earliest offset, alternating Subscribe and Fetch;
  - a loop of group consumes with offset commits (`eventlog consume --group`).
The topic has retention.bytes 512 MiB in 64 MiB segments, so retention deletes segments while
reads run. Every process started here is stopped at the end (or on Ctrl-C).

Usage: tests/bench/soak.py [--build build] [--minutes 10] [--rate 20000]
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def rss_kib(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon"):
                fields[key] = int(value.split()[0])
    return fields


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--rate", type=int, default=20000)
    ap.add_argument("--sample_s", type=float, default=10)
    ap.add_argument("--wrapper", default="",
                    help="command prefix for eventlogd, e.g. 'heaptrack -o /tmp/ht' (RSS is then "
                         "the wrapper's)")
    args = ap.parse_args()
    eventlogd = os.path.join(args.build, "service", "eventlogd")
    cli = os.path.join(args.build, "clients", "cpp", "eventlog")
    for binary in (eventlogd, cli):
        if not os.access(binary, os.X_OK):
            sys.exit(f"soak: {binary} is missing; build first (scripts/build.sh)")

    procs = []
    stop = threading.Event()
    with tempfile.TemporaryDirectory(prefix="eventlog-soak-") as tmp:
        server = subprocess.Popen(
            args.wrapper.split() + [eventlogd, "--listen=127.0.0.1:0", f"--data_dir={tmp}/data", "--cleanup_interval_ms=1000"],
            stdout=subprocess.PIPE, stderr=open(f"{tmp}/eventlogd.stderr", "wb"), text=True)
        procs.append(server)
        try:
            address = None
            for line in server.stdout:
                m = re.search(r"listening on (\S+:\d+)", line)
                if m:
                    address = m.group(1)
                    break
            if address is None:
                sys.exit("soak: eventlogd did not start")
            threading.Thread(target=lambda: server.stdout.read(), daemon=True).start()
            server_arg = f"--server={address}"
            subprocess.run([cli, "topic", "create", "soak", "--partitions", "2",
                            "--retention_bytes", str(512 << 20), "--segment_bytes", str(64 << 20),
                            server_arg], check=True, stdout=subprocess.DEVNULL)
            seconds = args.minutes * 60
            total = int(args.rate * seconds)

            def spawn(argv):
                p = subprocess.Popen(argv + [server_arg], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
                procs.append(p)
                return p

            producer = spawn([cli, "perf", "latency", "--topic", "soak", "--rate", str(args.rate),
                              "--records", str(total), "--batch_size", "10", "--acks", "all"])

            def loop(make_argv):
                i = 0
                while not stop.is_set():
                    p = spawn(make_argv(i))
                    while p.poll() is None and not stop.is_set():
                        time.sleep(0.2)
                    if p.poll() is None:
                        p.terminate()
                        p.wait()
                    i += 1

            readers = [
                threading.Thread(target=loop, args=(lambda i: [
                    cli, "perf", "consume", "--topic", "soak",
                    "--mode", "subscribe" if i % 2 == 0 else "fetch"],), daemon=True),
                threading.Thread(target=loop, args=(lambda i: [
                    cli, "consume", "soak", "--group", "soak-group", "--from", "committed",
                    "--max", "200000"],), daemon=True),
            ]
            for t in readers:
                t.start()

            print(f"soak: eventlogd pid {server.pid} on {address}; {args.minutes} min, "
                  f"{args.rate} records/s produced (acks=all) with a live subscriber, "
                  f"repeated consumes (Subscribe/Fetch from earliest), a group consumer", flush=True)
            print("elapsed_s  VmRSS_MiB  RssAnon_MiB  load1", flush=True)
            samples = []
            start = time.monotonic()
            while time.monotonic() - start < seconds:
                time.sleep(args.sample_s)
                if server.poll() is not None:
                    sys.exit(f"soak: eventlogd exited with {server.returncode}")
                r = rss_kib(server.pid)
                elapsed = time.monotonic() - start
                samples.append((elapsed, r["VmRSS"] / 1024, r["RssAnon"] / 1024))
                print(f"{elapsed:9.0f}  {samples[-1][1]:9.1f}  {samples[-1][2]:11.1f}  "
                      f"{os.getloadavg()[0]:5.2f}", flush=True)
            # Single samples swing with what is in flight at that instant; windows show the trend.
            window_s = 120
            windows = max(1, int(-(-seconds // window_s)))  # the last one takes the stragglers
            for w in range(windows):
                part = [x[1] for x in samples if w * window_s <= x[0] and
                        (w == windows - 1 or x[0] < (w + 1) * window_s)]
                if part:
                    print(f"soak: VmRSS {w * window_s:4d}-{(w + 1) * window_s:4d} s: min {min(part):6.1f}  "
                          f"max {max(part):6.1f}  mean {sum(part) / len(part):6.1f} MiB", flush=True)
            if producer.poll() is not None and producer.returncode != 0:
                print(f"soak: warning: the producer exited early with {producer.returncode}")
        finally:
            stop.set()
            for p in reversed(procs):
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


if __name__ == "__main__":
    main()
