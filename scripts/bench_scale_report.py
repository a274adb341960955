#!/usr/bin/python3
"""Tables and plots of scripts/bench-scale.sh, and the splice into PERFORMANCE.md.

Report mode (prints markdown on stdout, writes PNGs with gnuplot):
  bench_scale_report.py --results R --sweeps S --knees K --header TEXT
                        --plot-dir TMP --png-dir docs/perf
Splice mode (replaces the text between the bench-scale markers):
  bench_scale_report.py --splice docs/PERFORMANCE.md --tables TABLES.md

Inputs are the TSV files the shell script appends to (one line per figure,
with its run number), so medians and ranges are computed here once.
"""
import argparse
import collections
import os
import statistics
import subprocess
import sys

BEGIN = "<!-- bench-scale:begin -->"
END = "<!-- bench-scale:end -->"


def fmt(v):
    if v >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def cell(values):
    """Median [min - max] of the numbers; failed runs ("failed: CODE") counted after."""
    failed = [v for v in values if isinstance(v, str)]
    values = [v for v in values if not isinstance(v, str)]
    if failed:
        codes = ", ".join(sorted(set(f.split(": ", 1)[-1] for f in failed)))
        note = f"{len(failed)} of {len(failed) + len(values)} runs failed ({codes})"
        return f"{cell(values)}; {note}" if values else note
    if not values:
        return "-"
    if len(values) == 1:
        return fmt(values[0])
    return f"{fmt(statistics.median(values))} [{fmt(min(values))} - {fmt(max(values))}]"


def times_cell(ratios):
    if not ratios:
        return "-"
    med = statistics.median(ratios)
    if len(ratios) == 1:
        return f"{med:.1f}x"
    return f"{med:.1f}x [{min(ratios):.1f} - {max(ratios):.1f}]"


def pct_cell(ratios):
    if not ratios:
        return "-"
    med = statistics.median(ratios)
    if len(ratios) == 1:
        return f"{med:.0%}"
    return f"{med:.0%} [{min(ratios):.0%} - {max(ratios):.0%}]"


def read_results(path):
    """section -> workload -> system -> {run: value}, in first-seen order."""
    out = collections.OrderedDict()
    for line in open(path):
        section, workload, system, run, value = line.rstrip("\n").split("\t")
        workloads = out.setdefault(section, collections.OrderedDict())
        systems = workloads.setdefault(workload, collections.OrderedDict())
        systems.setdefault(system, {})[run] = value if value.startswith("failed") else float(value)
    return out


def ratios(ours, ref):
    """Per-run ratios ours/ref over the runs that have both (same run, same load)."""
    return [ours[r] / ref[r] for r in ours
            if r in ref and not isinstance(ours[r], str) and not isinstance(ref[r], str) and ref[r] > 0]


def partitions_table(section):
    counts = []
    for systems in section.values():
        for p in systems:
            if p not in counts:
                counts.append(p)
    counts.sort(key=int)
    lines = ["| records/s | " + " | ".join(f"{int(p):,} partition{'s' if p != '1' else ''}" for p in counts)
             + f" | {int(counts[-1]):,} / 1 |",
             "| --- |" + " --- |" * (len(counts) + 1)]
    for workload, systems in section.items():
        row = [cell(list(systems[p].values())) if p in systems else "-" for p in counts]
        last = ""
        if "1" in systems and counts[-1] in systems and counts[-1] != "1":
            last = pct_cell(ratios(systems[counts[-1]], systems["1"]))
        lines.append(f"| {workload} | " + " | ".join(row) + f" | {last} |")
    return lines


def versus_table(section):
    """eventlogd next to the reference server, and Redis when it was measured."""
    with_redis = any("redis" in systems for systems in section.values())
    lines = ["| workload | eventlogd | reference server | eventlogd / reference |"
             + (" Redis Streams | eventlogd / Redis |" if with_redis else ""),
             "| --- | --- | --- | --- |" + (" --- | --- |" if with_redis else "")]
    for workload, systems in section.items():
        ours = systems.get("eventlogd", {})
        ref = systems.get("reference", {})
        line = (f"| {workload} | {cell(list(ours.values()))} | {cell(list(ref.values()))} "
                f"| {pct_cell(ratios(ours, ref))} |")
        if with_redis:
            redis = systems.get("redis", {})
            line += (f" {cell(list(redis.values())) if redis else '-'} "
                     f"| {times_cell(ratios(ours, redis)) if redis else '-'} |")
        lines.append(line)
    return lines


def read_sweeps(path):
    """curve -> rate -> list of (sent, p50, p99), and curve -> run -> [(rate, sent, p99)]."""
    out = collections.OrderedDict()
    steps = collections.OrderedDict()
    for line in open(path):
        curve, run, rate, sent, p50, p99 = line.rstrip("\n").split("\t")
        try:
            point = (float(sent), float(p50), float(p99))
        except ValueError:
            continue
        out.setdefault(curve, collections.OrderedDict()).setdefault(int(rate), []).append(point)
        steps.setdefault(curve, collections.OrderedDict()).setdefault(run, []).append(
            (int(rate), point[0], point[2]))
    return out, steps


def knees_at(steps, bound_ms):
    """curve -> per-run knee: the last step before the first one whose p99 is above
    bound_ms or that sent less than 90% of its rate (0: the first step already was)."""
    out = collections.OrderedDict()
    for curve, runs in steps.items():
        for run_steps in runs.values():
            knee = 0
            for rate, sent, p99 in run_steps:
                if p99 > bound_ms or sent < 0.9 * rate:
                    break
                knee = rate
            out.setdefault(curve, []).append(knee)
    return out


def knee_cell(values):
    found = [v for v in values if v > 0]
    text = cell(found) if found else "none"
    missing = len(values) - len(found)
    if found and missing:
        text += f"; none in {missing} of {len(values)} runs"
    return text


def read_knees(path):
    out = collections.OrderedDict()
    for line in open(path):
        curve, _run, knee = line.rstrip("\n").split("\t")
        out.setdefault(curve, []).append(float(knee))
    return out


def latency_tables(sweeps, steps, knees, bound_ms):
    knees5 = knees_at(steps, 5)
    lines = ["| curve | knee at p99 <= 5 ms (records/s) | "
             f"knee at p99 <= {bound_ms} ms (the sweep's end) |", "| --- | --- | --- |"]
    for curve, values in knees.items():
        lines.append(f"| {curve} | {knee_cell(knees5.get(curve, []))} | {knee_cell(values)} |")
    lines += ["", "| curve | requested records/s | sent records/s | end-to-end p50 ms | "
              "end-to-end p99 ms | runs reaching the step |", "| --- | --- | --- | --- | --- | --- |"]
    for curve, rates in sweeps.items():
        for rate, points in rates.items():
            sent = [p[0] for p in points]
            p50 = [p[1] for p in points]
            p99 = [p[2] for p in points]
            lines.append(f"| {curve} | {rate:,} | {cell(sent)} | {cell(p50)} | {cell(p99)} "
                         f"| {len(points)} |")
    return lines


def gnuplot(script):
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def plot_partitions(section, plot_dir, png):
    series = []
    refs = []
    for workload, systems in section.items():
        if workload.endswith("reference"):
            numbers = [v for v in systems.get("1", {}).values() if not isinstance(v, str)]
            if numbers:
                refs.append((workload, statistics.median(numbers)))
            continue
        path = os.path.join(plot_dir, f"partitions-{len(series)}.dat")
        with open(path, "w") as f:
            for p in sorted(systems, key=int):
                vs = [v for v in systems[p].values() if not isinstance(v, str)]
                if not vs:
                    continue
                f.write(f"{p} {statistics.median(vs)} {min(vs)} {max(vs)}\n")
        series.append((workload, path))
    plots = [f"'{path}' using 1:2:3:4 with yerrorlines title '{name}'" for name, path in series]
    plots += [f"{value} with lines dashtype 2 title '{name} (1 partition)'" for name, value in refs]
    gnuplot(f"""set terminal pngcairo size 900,560 noenhanced
set output '{png}'
set title 'Keyed produce throughput vs partitions (medians, bars: min-max)'
set logscale x 2
set xlabel 'partitions'
set ylabel 'records/s'
set xrange [0.8:1300]
set yrange [0:*]
set format y '%.1s%c'
set key below
set grid
plot {', '.join(plots)}
""")


def plot_latency(sweeps, plot_dir, png):
    plots = []
    for i, (curve, rates) in enumerate(sweeps.items()):
        path = os.path.join(plot_dir, f"latency-{i}.dat")
        with open(path, "w") as f:
            for rate, points in rates.items():
                f.write(f"{rate} {statistics.median(p[1] for p in points)} "
                        f"{statistics.median(p[2] for p in points)}\n")
        plots.append(f"'{path}' using 1:2 with linespoints title '{curve} p50'")
        plots.append(f"'{path}' using 1:3 with linespoints dashtype 2 title '{curve} p99'")
    plots.append("5 with lines lc rgb 'gray' title '5 ms'")
    gnuplot(f"""set terminal pngcairo size 900,560 noenhanced
set output '{png}'
set title 'End-to-end latency vs produce rate (1-record requests, medians)'
set logscale xy
set xlabel 'requested records/s'
set ylabel 'ms'
set key below
set grid
plot {', '.join(plots)}
""")


def report(args):
    os.makedirs(args.plot_dir, exist_ok=True)
    results = read_results(args.results)
    sweeps, steps = read_sweeps(args.sweeps)
    knees = read_knees(args.knees)
    out = [args.header, ""]
    if "partitions" in results:
        out += ["**a. Keyed produce vs partitions** (100 B values, 12-byte keys; library: "
                "`--client=library`, the Producer routes and batches per partition; raw: "
                "batches of 1,000 keyed records with no partition, 8 in flight, the broker "
                "routes each record; last column: the largest count's rate as a share of "
                "1 partition's, per run). Plot: [scale-partitions.png](perf/scale-partitions.png).",
                ""] + partitions_table(results["partitions"]) + [""]
        plot_partitions(results["partitions"], args.plot_dir,
                        os.path.join(args.png_dir, "scale-partitions.png"))
    if "batched" in results:
        out += ["**b. Batched produce and Subscribe, eventlogd vs the reference server** "
                "(batches of 1,000, 8 in flight, 1 partition; Subscribe of what was produced "
                "with acks all; ratio: per run, then the median).", ""]
        out += versus_table(results["batched"]) + [""]
    if "small" in results:
        out += ["**c. Single-record requests** (batch size 1, 64 in flight on one "
                "ProduceStream, 100 B values).", ""]
        out += versus_table(results["small"]) + [""]
    if sweeps:
        out += ["**d. Latency vs rate** (`perf latency --sweep`: 1-record requests from 1,000 "
                f"records/s, +50% per step, until the p99 passes {args.bound_ms} ms or the "
                "producer falls 10% behind; end-to-end = produce call to a tailing "
                "subscriber's receipt; a knee is the highest rate before the first step past "
                "the bound). Plot: [scale-latency.png](perf/scale-latency.png).", ""]
        out += latency_tables(sweeps, steps, knees, args.bound_ms) + [""]
        plot_latency(sweeps, args.plot_dir, os.path.join(args.png_dir, "scale-latency.png"))
    print("\n".join(out))


def splice(args):
    text = open(args.splice).read()
    begin, end = text.find(BEGIN), text.find(END)
    if begin < 0 or end < begin:
        sys.exit(f"bench_scale_report: no {BEGIN} ... {END} section in {args.splice}")
    tables = open(args.tables).read().strip()
    text = text[:begin + len(BEGIN)] + "\n" + tables + "\n" + text[end:]
    with open(args.splice, "w") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for flag in ("results", "sweeps", "knees", "header", "plot-dir", "png-dir", "splice",
                 "tables"):
        parser.add_argument(f"--{flag}")
    parser.add_argument("--bound-ms", type=int, default=5)
    args = parser.parse_args()
    if args.splice:
        splice(args)
    else:
        report(args)


if __name__ == "__main__":
    main()
