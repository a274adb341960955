"""A real Prometheus scrapes a real eventlogd under load.

Proves that /metrics is valid for Prometheus (promtool check metrics, a live
scrape), that rates and consumer lag come out of Prometheus's own query API
as expected, and that the alert rules and the dashboard of docs/ops/ use
only metrics eventlogd exports and evaluate without errors.
"""
import json
import os
import re
import shutil
import subprocess
import threading
import urllib.parse

import pytest
import yaml

from ops_env import Eventlogd, SOURCE_DIR, free_port, http_get, metric_value, wait_until

RULES = os.path.join(SOURCE_DIR, "docs", "ops", "eventlog-alerts.yml")
DASHBOARD = os.path.join(SOURCE_DIR, "docs", "ops", "eventlog-dashboard.json")


def tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (scripts/install-deps.sh test installs prometheus)")
    return path


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    root = tmp_path_factory.mktemp("prom")
    server = Eventlogd(str(root / "data")).start()
    yield server
    assert server.stop() == 0


@pytest.fixture(scope="module")
def prometheus(broker, tmp_path_factory):
    root = tmp_path_factory.mktemp("prometheus")
    port = free_port()
    config = root / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"rule_files: [{json.dumps(RULES)}]\n"
        "scrape_configs:\n"
        "  - job_name: eventlog\n"
        f"    static_configs: [{{targets: [{json.dumps(broker.http[len('http://'):])}]}}]\n")
    log = open(root / "prometheus.log", "wb")
    proc = subprocess.Popen(
        [tool("prometheus"), f"--config.file={config}", f"--storage.tsdb.path={root / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        def ready():
            try:
                return http_get(url + "/-/ready")[0] == 200
            except OSError:  # not listening yet
                return False

        wait_until(lambda: proc.poll() is not None or ready(), "prometheus to be ready")
        assert proc.poll() is None, (root / "prometheus.log").read_text()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def query(prometheus, expr):
    """The instant vector of `expr` as [(labels, float value)]."""
    status, _, body = http_get(prometheus + "/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
    assert status == 200, body
    answer = json.loads(body)
    assert answer["status"] == "success", answer
    return [(r["metric"], float(r["value"][1])) for r in answer["data"]["result"]]


def test_promtool_accepts_the_metrics_page(broker):
    broker.cli("topic", "create", "lint", "--partitions", "2")
    broker.cli("produce", "lint", input="a\nb\n")
    broker.cli("offsets", "commit", "lint-group", "lint", "0", "1")
    page = broker.metrics()
    for family in ("eventlog_topic_records_produced_total", "eventlog_group_lag",
                   "eventlog_fsync_duration_seconds", "eventlog_request_duration_seconds",
                   "eventlog_partition_high_watermark", "eventlog_build_info", "process_open_fds"):
        assert f"# TYPE {family} " in page, family
    result = subprocess.run([tool("promtool"), "check", "metrics"], input=page,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip(), \
        (result.stdout, result.stderr)
    # docs/OPERATIONS.md lists every metric: each family on the page has a row.
    with open(os.path.join(SOURCE_DIR, "docs", "OPERATIONS.md")) as f:
        documented = set(re.findall(r"^\| `([a-z_]+)` \|", f.read(), re.M))
    families = set(re.findall(r"^# TYPE ([a-z_]+) ", page, re.M))
    assert families - documented == set(), "not in docs/OPERATIONS.md"


def test_prometheus_reads_produce_rate_and_group_lag_under_load(broker, prometheus):
    broker.cli("topic", "create", "load", "--partitions", "1")
    stop = threading.Event()
    failures = []

    def load():  # ACKS_ALL batches until told to stop: produce rate and fsyncs
        while not stop.is_set():
            result = broker.cli("perf", "produce", "--topic", "load", "--records", "20000",
                                "--batch_size", "200", "--concurrency", "2", check=False)
            if result.returncode != 0:
                failures.append(result.stderr)
                return

    producer = threading.Thread(target=load)
    producer.start()
    try:
        rate = 'rate(eventlog_topic_records_produced_total{topic="load"}[5s])'
        samples = wait_until(lambda: [v for _, v in query(prometheus, rate) if v > 0],
                             "a positive produce rate in Prometheus")
        assert samples[0] > 0
        requests = 'sum(rate(eventlog_requests_total{method="ProduceStream",code="OK"}[5s]))'
        wait_until(lambda: [v for _, v in query(prometheus, requests) if v > 0],
                   "a positive ProduceStream request rate")
        fsync = "histogram_quantile(0.99, sum by (le) (rate(eventlog_fsync_duration_seconds_bucket[10s])))"
        p99 = wait_until(lambda: [v for _, v in query(prometheus, fsync) if v == v and v > 0],
                         "an fsync latency quantile")
        assert p99[0] < 60
    finally:
        stop.set()
        producer.join()
    assert not failures, failures

    # The group has consumed (committed) the first 100 records only.
    broker.cli("offsets", "commit", "lagging", "load", "0", "100")
    end = int(broker.cli("offsets", "list", "load").stdout.split()[-1])
    assert end > 100
    lag = 'eventlog_group_lag{group="lagging",topic="load"}'
    wait_until(lambda: [v for _, v in query(prometheus, lag) if v == end - 100],
               f"Prometheus to see lag {end - 100}")
    per_partition = 'eventlog_group_partition_lag{group="lagging",topic="load",partition="0"}'
    assert [v for _, v in query(prometheus, per_partition)] == [end - 100]


def test_alert_rules_load_and_evaluate_cleanly(prometheus):
    check = subprocess.run([tool("promtool"), "check", "rules", RULES], capture_output=True,
                           text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr

    def evaluated():
        status, _, body = http_get(prometheus + "/api/v1/rules")
        groups = json.loads(body)["data"]["groups"]
        rules = [r for g in groups for r in g["rules"]]
        done = rules and all(not r.get("lastEvaluation", "0001").startswith("0001") for r in rules)
        return rules if done else None

    rules = wait_until(evaluated, "every alert rule to be evaluated")
    assert len(rules) >= 8
    assert all(r["health"] == "ok" for r in rules), [(r["name"], r.get("lastError")) for r in rules]


def is_exported(name, exported):
    """Whether `name` is a family of the page, or a histogram series of one."""
    return name in exported or re.sub(r"_(bucket|sum|count)$", "", name) in exported


def test_dashboard_and_rules_use_only_exported_metrics(broker):
    broker.cli("topic", "create", "names", "--partitions", "1")
    broker.cli("offsets", "commit", "names-group", "names", "0", "0")
    page = broker.metrics()
    exported = set(re.findall(r"^# TYPE (\S+) ", page, re.M))
    dashboard = json.load(open(DASHBOARD))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    exprs += [q["query"] for q in dashboard["templating"]["list"] if "query" in q and "(" in q["query"]]
    rules = yaml.safe_load(open(RULES))
    exprs += [r["expr"] for g in rules["groups"] for r in g["rules"]]
    used = set(re.findall(r"\b((?:eventlog|process)_[a-z0-9_]+)", "\n".join(exprs)))
    assert len(used) > 15, used
    assert not [n for n in used if not is_exported(n, exported)]
