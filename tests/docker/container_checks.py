"""The container image, built and run for real (issue 6).

Builds docker/Dockerfile unchanged with podman, checks the image's settings,
then runs it on a volume: waits for its HEALTHCHECK to pass, produces and
consumes with the Python client (from the host, through the published port)
and with the CLI inside the container, reads them again with kcat through
the image's Kafka listener, commits offsets, stops it (SIGTERM,
exit 0), and starts a second container on the same volume that must find
every record and committed offset. Everything it creates is removed at the
end; only the caches under $EVENTLOG_PODMAN_CACHE stay.

Then it runs docker/compose.yaml's cluster profile (three etcd members and
three brokers) with podman-compose and produces and consumes through it.

Needs root, podman and podman-compose (scripts/install-deps.sh test
installs them). When
podman cannot run here the test fails: it never skips.
Run by tests/docker/run_container_test.sh (ctest -L container). The file
name is outside pytest's test_*.py pattern so that a plain `pytest tests/`
does not start a multi-minute image build by surprise.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import urllib.request
import time
import uuid
from pathlib import Path

import pytest

from podman import ULIMITS, Podman

REPO = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("EVENTLOG_PODMAN_CACHE", "/var/cache/eventlog-podman"))
RUN_ID = uuid.uuid4().hex[:8]
IMAGE = f"localhost/eventlog-test:{RUN_ID}"
VOLUME = f"eventlog-test-{RUN_ID}"
DATA = "/var/lib/eventlog"

PY_RECORDS = 300
CLI_RECORDS = 50


def phase(name: str, start: float) -> None:
    print(f"[container test] {name}: {time.monotonic() - start:.1f} s", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def podman():
    if os.geteuid() != 0:
        pytest.fail("the container test needs root (podman runs rootful here)", pytrace=False)
    missing = [t for t in ("podman", "runc", "debootstrap") if shutil.which(t) is None]
    if missing:
        pytest.fail(
            f"the container test needs {', '.join(missing)}: run scripts/install-deps.sh test",
            pytrace=False,
        )
    base = Path(os.environ.get("EVENTLOG_TEST_WORK") or tempfile.gettempdir())
    p = Podman(Path(tempfile.mkdtemp(prefix="podman.", dir=base)), CACHE)
    info = p.run("info", check=False, timeout=60)
    if info.returncode != 0:
        p.reset()
        pytest.fail(f"podman cannot run on this machine:\n{info.stderr}", pytrace=False)
    yield p
    problems = p.remove_created()
    p.reset()
    assert not problems, f"cleanup failed: {problems}"


@pytest.fixture(scope="module")
def image(podman):
    start = time.monotonic()
    r = subprocess.run(
        [str(REPO / "scripts" / "podman-base-image.sh")],
        env=dict(podman.env, EVENTLOG_PODMAN_CACHE=str(CACHE)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, f"podman-base-image.sh failed:\n{r.stdout}\n{r.stderr}"
    podman.created["images"] += [f"docker.io/library/debian:{tag}"
                                 for tag in ("bookworm", "bookworm-slim")]
    phase("base images", start)

    start = time.monotonic()
    podman.created["images"].insert(0, IMAGE)
    podman.build(REPO / "docker" / "Dockerfile", REPO, IMAGE, podman.work / "build.log")
    phase("podman build", start)
    return IMAGE


def test_image_settings(podman, image):
    config = podman.inspect("image", image)["Config"]
    assert config["User"] == "10001:10001"
    assert "7070/tcp" in config["ExposedPorts"]
    assert "9092/tcp" in config["ExposedPorts"]
    assert "8080/tcp" in config["ExposedPorts"]
    assert DATA in config["Volumes"]
    assert config["Entrypoint"] == ["/usr/local/bin/eventlogd-entrypoint"]
    assert config["StopSignal"] in ("SIGTERM", "15")
    env = dict(e.split("=", 1) for e in config["Env"])
    assert env["EVENTLOG_LISTEN"] == "0.0.0.0:7070"
    assert env["EVENTLOG_HTTP_LISTEN"] == "0.0.0.0:8080"
    assert env["EVENTLOG_DATA_DIR"] == DATA
    assert env["EVENTLOG_KAFKA_LISTEN"] == "0.0.0.0:9092"  # the Kafka listener is on
    health = podman.inspect("image", image)["Healthcheck"]
    assert health["Test"][:3] == ["CMD", "eventlog", "health"], health


def test_runtime_libraries_resolve(podman, image):
    # A first argument that is not a flag runs that command (entrypoint).
    out = podman.out("run", "--rm", *ULIMITS, "--network", "none", image,
                     "ldd", "/usr/local/bin/eventlogd", "/usr/local/bin/eventlog")
    assert "not found" not in out, out
    assert "libgrpc++" in out and "libleveldb" in out, out
    assert "libcpp-httplib" in out and "libtomlplusplus" in out, out


def test_entrypoint_turns_variables_into_flags(podman, image):
    """EVENTLOG_<FLAG> reaches eventlogd as --<flag>, arguments win over
    variables, unknown variables are reported. Invalid values make eventlogd
    exit 2 at once, so no server is needed to see which value it got."""
    def run(*args):
        return podman.run("run", "--rm", *ULIMITS, "--network", "none", *args, check=False)

    r = run("-e", "EVENTLOG_DEFAULT_PARTITIONS=0", "-e", "EVENTLOG_NO_SUCH_FLAG=1", image)
    assert r.returncode == 2, r
    assert "--default_partitions must be at least 1" in r.stderr, r.stderr
    assert "ignoring EVENTLOG_NO_SUCH_FLAG" in r.stderr, r.stderr

    r = run("-e", "EVENTLOG_DEFAULT_PARTITIONS=0", "-e", "EVENTLOG_MAX_PARTITIONS=1", image,
            "--default_partitions=2")
    assert r.returncode == 2, r
    assert "--max_partitions must be at least --default_partitions" in r.stderr, r.stderr


def test_compose_file_matches_image(podman, image):
    """docker/compose.yaml cannot be run here (no compose; port 7070 may be
    taken), so check what it refers to: the Dockerfile, the data volume, the
    image's health check and real eventlogd flags."""
    import yaml

    compose = yaml.safe_load((REPO / "docker" / "compose.yaml").read_text())
    service = compose["services"]["eventlog"]
    context = (REPO / "docker" / service["build"]["context"]).resolve()
    assert context == REPO and (context / service["build"]["dockerfile"]).is_file()
    assert any(str(p).endswith(":7070") for p in service["ports"])
    assert any(str(p).endswith(":8080") for p in service["ports"])
    volume, target = service["volumes"][0].split(":")
    assert target == DATA and volume in compose["volumes"]
    image_check = podman.inspect("image", image)["Healthcheck"]["Test"]
    assert service["healthcheck"]["test"] == image_check
    helpfull = podman.run("run", "--rm", *ULIMITS, "--network", "none", image, "--helpfull",
                          check=False).stdout
    flags = set(re.findall(r"^    --(\w+) ", helpfull, re.M))
    for var in service["environment"]:
        assert var.startswith("EVENTLOG_") and var[len("EVENTLOG_"):].lower() in flags, var


# --- the broker on a volume, stopped and started again --------------------


def start_broker(podman, name, *run_args, command=()):
    podman.created["containers"].append(name)
    podman.run("run", "-d", "--name", name, *ULIMITS, "-v", f"{VOLUME}:{DATA}", *run_args,
               IMAGE, *command)
    start = time.monotonic()
    podman.wait_healthy(name)
    phase(f"{name} healthy", start)
    assert podman.health_status(name) == "healthy"


def stop_broker(podman, name):
    podman.run("stop", "--time", "60", name, timeout=90)
    state = podman.inspect("container", name)["State"]
    logs = podman.logs(name)
    assert state["ExitCode"] == 0, f"{name} exited {state['ExitCode']}:\n{logs}"
    assert "SIGTERM, shutting down" in logs, logs


def http_get(url):
    """(status, body text) of a GET."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def cli(podman, name, *args, input=None):
    return podman.out("exec", *(["-i"] if input is not None else []), name, "eventlog", *args,
                      input=input)


def consume_all(target, topic, expected):
    from eventlog import Consumer, Start

    records = []
    with Consumer(target, topic, partitions="all", start=Start.EARLIEST) as c:
        deadline = time.monotonic() + 60
        while len(records) < expected and time.monotonic() < deadline:
            r = c.poll(timeout=1.0)
            if r is not None:
                records.append(r)
    return records


def as_tuples(records):
    return sorted((r.partition, r.offset, r.key, r.value, tuple(r.headers)) for r in records)


def test_produce_consume_stop_restart(podman, image):
    from eventlog import Admin, Consumer, Producer, Start

    t0 = time.monotonic()
    podman.created["volumes"].append(VOLUME)
    podman.run("volume", "create", VOLUME)

    # First broker: the image's defaults (0.0.0.0:7070 inside) published on
    # loopback, configured through EVENTLOG_* variables. slirp4netns forwards
    # the port in user space: no bridge, firewall rules or sysctls on the host.
    first, port, http_port, kafka_port = (f"eventlog-a-{RUN_ID}", free_port(), free_port(),
                                          free_port())
    start_broker(podman, first, "--network", "slirp4netns", "-p", f"127.0.0.1:{port}:7070",
                 "-p", f"127.0.0.1:{http_port}:8080", "-p", f"127.0.0.1:{kafka_port}:9092",
                 "-e", f"EVENTLOG_KAFKA_ADVERTISE=127.0.0.1:{kafka_port}",
                 "-e", "EVENTLOG_DEFAULT_PARTITIONS=3",
                 # Leader-acked records are fsynced only at shutdown (or after 10 min).
                 "-e", "EVENTLOG_FLUSH_INTERVAL_MS=600000")
    target = f"127.0.0.1:{port}"

    status = podman.out("exec", first, "cat", "/proc/1/status")
    assert re.search(r"^Name:\s+eventlogd$", status, re.M), status  # PID 1: signals reach it
    assert re.search(r"^Uid:\s+10001\s", status, re.M), status

    with Admin(target) as admin:
        assert len(admin.create_topic("orders", partitions=0).partitions) == 3

    with Producer(target) as producer:
        futures = [producer.send("orders", f"py-value-{i}", key=f"py-key-{i % 7}",
                                 headers={"n": str(i)}) for i in range(PY_RECORDS)]
        metas = [f.result(timeout=60) for f in futures]
    assert len({(m.partition, m.offset) for m in metas}) == PY_RECORDS

    lines = "".join(f"cli-key-{i}\tcli-value-{i}\n" for i in range(CLI_RECORDS))
    acks = cli(podman, first, "produce", "orders", "--keyed", "--acks", "leader", input=lines)
    assert len(acks.splitlines()) == CLI_RECORDS, acks

    total = PY_RECORDS + CLI_RECORDS
    before = consume_all(target, "orders", total)
    assert len(before) == total
    values = {r.value for r in before}
    assert values == {f"py-value-{i}".encode() for i in range(PY_RECORDS)} | {
        f"cli-value-{i}".encode() for i in range(CLI_RECORDS)}

    json_lines = cli(podman, first, "consume", "orders", "--format", "json").splitlines()
    assert sorted(json.loads(x)["value"] for x in json_lines) == sorted(v.decode() for v in values)

    # The image's Kafka listener serves the same records to a Kafka client
    # on the host (kcat), through the published port it advertises.
    kcat = subprocess.run(["kcat", "-b", f"127.0.0.1:{kafka_port}", "-C", "-t", "orders",
                           "-o", "beginning", "-e", "-q", "-f", "%s\\n"],
                          capture_output=True, text=True, timeout=120, check=True).stdout
    assert sorted(kcat.splitlines()) == sorted(v.decode() for v in values)

    # Commits: the Python consumer's positions, and one through the CLI.
    with Consumer(target, "orders", group="py-group", partitions="all",
                  start=Start.EARLIEST) as c:
        for _ in range(100):
            assert c.poll(timeout=30) is not None
        py_committed = c.commit()
    assert sum(py_committed.values()) == 100
    cli(podman, first, "offsets", "commit", "cli-group", "orders", "1", "7",
        "--metadata", "from-cli")
    with Admin(target) as admin:
        watermarks = admin.list_offsets("orders", "latest")
    assert sum(watermarks.values()) == total

    # The HTTP listener (EVENTLOG_HTTP_LISTEN=0.0.0.0:8080 in the image),
    # through the published port: probes and metrics.
    http = f"http://127.0.0.1:{http_port}"
    assert http_get(http + "/healthz") == (200, "ok\n")
    assert http_get(http + "/readyz") == (200, "ready\n")
    status, metrics = http_get(http + "/metrics")
    assert status == 200
    assert f'eventlog_topic_records_produced_total{{topic="orders"}} {total}' in metrics, metrics
    assert re.search(r'^eventlog_build_info\{version="[0-9.]+",revision="[^"]+"\} 1$', metrics,
                     re.M), metrics
    phase("first broker: produce, consume, commit, metrics", t0)

    t0 = time.monotonic()
    stop_broker(podman, first)
    phase("first broker stopped", t0)
    t0 = time.monotonic()

    # Second broker on the same volume: host network on another port (the
    # health check follows EVENTLOG_SERVER), and a flag given as the command
    # that overrides its EVENTLOG_* variable.
    second, port, http_port = f"eventlog-b-{RUN_ID}", free_port(), free_port()
    target = f"127.0.0.1:{port}"
    start_broker(podman, second, "--network", "host",
                 "-e", f"EVENTLOG_LISTEN={target}", "-e", f"EVENTLOG_SERVER={target}",
                 "-e", f"EVENTLOG_HTTP_LISTEN=127.0.0.1:{http_port}",
                 "-e", f"EVENTLOG_KAFKA_LISTEN=127.0.0.1:{free_port()}",
                 "-e", "EVENTLOG_KAFKA_ADVERTISE=",  # the listen address
                 "-e", "EVENTLOG_DEFAULT_PARTITIONS=5",
                 command=["--default_partitions=2"])

    with Admin(target) as admin:
        assert admin.list_offsets("orders", "latest") == watermarks
        committed = admin.fetch_committed_offsets("py-group", "orders")
        assert {p: o.offset for p, o in committed.items()} == py_committed
        cli_commit = admin.fetch_committed_offsets("cli-group", "orders")[1]
        assert (cli_commit.offset, cli_commit.metadata) == (7, "from-cli")
        assert len(admin.create_topic("flag-wins", partitions=0).partitions) == 2

    after = consume_all(target, "orders", total)
    assert as_tuples(after) == as_tuples(before)
    assert http_get(f"http://127.0.0.1:{http_port}/readyz") == (200, "ready\n")
    shown = cli(podman, second, "offsets", "show", "cli-group", "orders")
    assert shown.splitlines() == ["1 7 from-cli"]
    stop_broker(podman, second)
    phase("second broker: records and offsets found, stopped", t0)


# --- docker/compose.yaml's cluster profile, with podman-compose -------------


def test_compose_cluster_profile(podman, image):
    """Three etcd members and three brokers from docker/compose.yaml (their
    ports published on free host ports); a topic spread over the brokers,
    records produced through one list of servers and read back through each
    broker."""
    import grpc
    from eventlog import Admin, Consumer, Producer, Start
    from eventlog.v1 import eventlog_pb2 as pb
    from eventlog.v1 import eventlog_pb2_grpc as pb_grpc

    if shutil.which("podman-compose") is None:
        pytest.fail("podman-compose is missing: run scripts/install-deps.sh test", pytrace=False)
    t0 = time.monotonic()
    etcd_image = f"localhost/eventlog-etcd-test:{RUN_ID}"
    podman.created["images"].insert(0, etcd_image)
    podman.build(REPO / "docker" / "etcd.Dockerfile", REPO, etcd_image, podman.work / "etcd.log")
    # The names compose.yaml refers to, on the images this run built.
    for built, name in ((image, "localhost/eventlog:latest"),
                        (etcd_image, "localhost/eventlog-etcd:latest")):
        podman.run("tag", built, name)
        podman.created["images"].insert(0, name)
    phase("etcd image", t0)

    t0 = time.monotonic()
    project = f"eventlog-cluster-{RUN_ID}"
    ports = {f"BROKER_{i}_{kind}PORT": str(free_port()) for i in (1, 2, 3) for kind in ("", "HTTP_")}
    services = ["etcd-1", "etcd-2", "etcd-3", "broker-1", "broker-2", "broker-3"]
    env = dict(podman.env, **ports)
    compose = ["podman-compose", "-f", str(REPO / "docker" / "compose.yaml"), "-p", project]
    for service in services:
        podman.created["containers"].append(f"{project}_{service}_1")
    for volume in ("etcd-1-data", "etcd-2-data", "etcd-3-data",
                   "broker-1-data", "broker-2-data", "broker-3-data"):
        podman.created["volumes"].append(f"{project}_{volume}")
    up = subprocess.run(compose + ["up", "-d", "--no-build", *services], env=env,
                        capture_output=True, text=True, timeout=300)
    assert up.returncode == 0, f"podman-compose up failed:\n{up.stdout[-3000:]}\n{up.stderr[-3000:]}"
    for i in (1, 2, 3):
        podman.wait_healthy(f"{project}_broker-{i}_1", timeout=180)
    phase("cluster up and healthy", t0)

    t0 = time.monotonic()
    brokers = [f"127.0.0.1:{ports[f'BROKER_{i}_PORT']}" for i in (1, 2, 3)]
    servers = ",".join(brokers)
    with Admin(servers) as admin:
        admin.create_topic("compose", partitions=6)
    with grpc.insecure_channel(brokers[1]) as channel:
        metadata = pb_grpc.EventLogStub(channel).GetMetadata(
            pb.GetMetadataRequest(topics=["compose"]), timeout=30)
    assert sorted(b.address for b in metadata.brokers) == [f"broker-{i}:7070" for i in (1, 2, 3)]
    assert {p.leader for p in metadata.topics[0].partitions} == {1, 2, 3}
    with Producer(servers) as producer:
        futures = [producer.send("compose", f"value-{i}", key=f"key-{i}") for i in range(120)]
        sent = {(f.result(timeout=60).partition, f.result().offset) for f in futures}
    assert len(sent) == 120
    for broker in brokers:
        with Consumer(broker, "compose", partitions="all", start=Start.EARLIEST) as consumer:
            got = set()
            deadline = time.monotonic() + 60
            while len(got) < len(sent) and time.monotonic() < deadline:
                record = consumer.poll(timeout=1.0)
                if record is not None:
                    got.add((record.partition, record.offset))
        assert got == sent, f"through {broker}: {len(got)} of {len(sent)}"
    phase("cluster: produce, consume through each broker", t0)

    # Each broker's HTTP listener is published too: ready (store open,
    # registered in etcd) and exporting the cluster's topic.
    for i in (1, 2, 3):
        base = f"http://127.0.0.1:{ports[f'BROKER_{i}_HTTP_PORT']}"
        with urllib.request.urlopen(f"{base}/readyz", timeout=30) as reply:
            assert reply.status == 200, f"broker-{i} /readyz: {reply.status}"
        with urllib.request.urlopen(f"{base}/metrics", timeout=30) as reply:
            metrics = reply.read().decode()
        assert "eventlog_topic_records_produced_total" in metrics and 'topic="compose"' in metrics

    down = subprocess.run(compose + ["down", "-v"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert down.returncode == 0, f"podman-compose down failed:\n{down.stderr[-3000:]}"
    podman.run("network", "rm", "--force", f"{project}_default", check=False)
