"""eventlogd's operations surface as a process: --version, structured logs
(text and JSON, the startup line with the effective configuration, refused
requests at debug level), the TOML config file, and the probes."""
import json
import os
import re
import ssl
import subprocess
import urllib.request

import pytest

from ops_env import SOURCE_DIR, Eventlogd, binary, json_lines, metric_value, wait_until

VERSION_RE = re.compile(r"^(eventlogd|eventlog) (\d+\.\d+\.\d+) \(git ([0-9a-f]{12}(-dirty)?|unknown)\)$")


def run(*args, **kwargs):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60, **kwargs)


def test_both_binaries_print_one_version_and_revision(tmp_path):
    server = run(binary("EVENTLOGD"), "--version").stdout.strip()
    cli = run(binary("EVENTLOG_CLI"), "--version").stdout.strip()
    s, c = VERSION_RE.match(server), VERSION_RE.match(cli)
    assert s and c, (server, cli)
    assert s.group(2, 3) == c.group(2, 3)
    broker = Eventlogd(str(tmp_path / "data"), ["--log_format=json"]).start()
    try:
        page = broker.metrics()
        assert metric_value(page, f'eventlog_build_info{{version="{s.group(2)}",revision="{s.group(3)}"}}') == 1
        status, _, body = broker.get("/api/v1/overview")
        overview = json.loads(body)
        assert (overview["version"], overview["revision"]) == s.group(2, 3)
        assert overview["broker_id"] == 0
        assert metric_value(page, 'eventlog_broker_info{broker_id="0"}') == 1
    finally:
        assert broker.stop() == 0
    first = json_lines(broker.stderr_text())[0]
    assert (first["msg"], first["version"], first["revision"]) == ("starting",) + s.group(2, 3)


def test_json_logs_are_one_object_per_line_and_start_with_the_effective_config(tmp_path):
    broker = Eventlogd(str(tmp_path / "data"), ["--log_format=json", "--default_partitions=3"]).start()
    assert broker.stop() == 0
    lines = json_lines(broker.stderr_text())  # every line parses
    assert all({"time", "level", "component", "msg"} <= line.keys() for line in lines), lines
    starting = [l for l in lines if l["msg"] == "starting"]
    assert len(starting) == 1
    config = starting[0]
    assert config["component"] == "eventlogd" and config["level"] == "info"
    assert config["default_partitions"] == 3  # numbers unquoted, as OPERATIONS.md says
    assert config["data_dir"] == str(tmp_path / "data")
    assert config["http_listen"] == "127.0.0.1:0"
    assert [l["msg"] for l in lines][-2:] == ["SIGTERM, shutting down", "stopped"]


def test_text_logs_carry_level_component_and_fields(tmp_path):
    broker = Eventlogd(str(tmp_path / "data")).start()
    assert broker.stop() == 0
    lines = broker.stderr_text().splitlines()
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO eventlogd: starting version=\S+ "
                    r"revision=\S+ .*data_dir=\S+", lines[0]), lines[0]
    assert any(re.search(r"INFO eventlogd: serving grpc=127\.0\.0\.1:\d+ http=127\.0\.0\.1:\d+", l)
               for l in lines), lines


def test_refused_requests_are_logged_at_debug_level(tmp_path):
    broker = Eventlogd(str(tmp_path / "data"), ["--log_format=json", "--log_level=debug"]).start()
    try:
        result = broker.cli("produce", "no-such-topic", input="x\n", check=False)
        assert result.returncode != 0
        refused = wait_until(lambda: [l for l in json_lines(broker.stderr_text())
                                      if l["msg"] == "request refused"
                                      and "no-such-topic" in l.get("error", "")], "the debug line")
        line = refused[0]
        assert line["level"] == "debug" and line["component"] == "server"
        assert line["code"] == "NOT_FOUND" and line["method"] and line["peer"], line
    finally:
        assert broker.stop() == 0


def test_info_level_does_not_log_refused_requests(tmp_path):
    broker = Eventlogd(str(tmp_path / "data"), ["--log_format=json"]).start()
    try:
        assert broker.cli("produce", "no-such-topic", input="x\n", check=False).returncode != 0
    finally:
        assert broker.stop() == 0
    assert not [l for l in json_lines(broker.stderr_text()) if l["msg"] == "request refused"]


def test_config_file_sets_flags_and_the_command_line_wins(tmp_path):
    config = tmp_path / "eventlogd.toml"
    config.write_text('# eventlogd settings\n'
                      'http_listen = "127.0.0.1:0"\n'
                      'default_partitions = 4\n'
                      'log_format = "json"\n'
                      'reflection = false\n'
                      'max_partitions = 16\n')
    broker = Eventlogd(str(tmp_path / "data"), [f"--config={config}", "--max_partitions=32"],
                       http=False).start()
    try:
        wait_until(lambda: broker.http, "serving HTTP (http_listen from the file)")
        broker.cli("topic", "create", "from-config", "--partitions", "0")  # 0: the default
        assert "partitions: 4\n" in broker.cli("topic", "describe", "from-config").stdout
    finally:
        assert broker.stop() == 0
    config_line = json_lines(broker.stderr_text())[0]  # JSON: log_format came from the file
    assert config_line["default_partitions"] == 4
    assert config_line["reflection"] is False
    assert config_line["max_partitions"] == 32  # the command line won
    assert config_line["config"] == str(config)


@pytest.mark.parametrize("text, expected", [
    ('listen = "127.0.0.1:0"\nhttp_lisen = "127.0.0.1:0"\n', 'unknown key "http_lisen"'),
    ('[server]\nlisten = "127.0.0.1:0"\n', 'unknown key "server"'),
    ('default_partitions = "many"\n', 'key "default_partitions"'),
    ('reflection = [true]\n', 'key "reflection" must be a string, an integer or a boolean'),
    ('listen = \n', 'eventlogd.toml:1'),
    ('helpfull = true\n', 'unknown key "helpfull"'),
])
def test_config_file_errors_name_the_key_and_stop_eventlogd(tmp_path, text, expected):
    config = tmp_path / "eventlogd.toml"
    config.write_text(text)
    result = run(binary("EVENTLOGD"), f"--config={config}", f"--data_dir={tmp_path / 'data'}",
                 "--listen=127.0.0.1:0")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert expected in result.stderr, result.stderr


@pytest.mark.parametrize("args, unknown", [
    (["--lisen=127.0.0.1:0"], "--lisen=127.0.0.1:0"),
    (["--listen", "127.0.0.1:0", "--no_such_flag"], "--no_such_flag"),
    (["--noreflections"], "--noreflections"),
])
def test_an_unknown_flag_is_a_usage_error(tmp_path, args, unknown):
    result = run(binary("EVENTLOGD"), f"--data_dir={tmp_path / 'data'}", *args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert f"unknown flag {unknown}" in result.stderr, result.stderr
    assert not (tmp_path / "data").exists()  # refused before anything started


def test_flags_with_separate_values_and_negations_are_accepted(tmp_path):
    # "--flag VALUE" (the value may look like a flag) and --noBOOL; --version stops at once.
    result = run(binary("EVENTLOGD"), "--data_dir", str(tmp_path / "data"), "--min_free_bytes",
                 "-1", "--noreflection", "--version")
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert result.stdout.startswith("eventlogd "), result.stdout


def test_probes_and_metrics_on_the_real_binary(tmp_path):
    broker = Eventlogd(str(tmp_path / "data")).start()
    try:
        assert broker.get("/healthz")[0:3:2] == (200, b"ok\n")
        assert broker.get("/readyz")[0:3:2] == (200, b"ready\n")
        page = broker.metrics()
        assert metric_value(page, "eventlog_ready") == 1
        assert metric_value(page, "eventlog_storage_failed") == 0
        assert metric_value(page, "eventlog_disk_capacity_bytes") > 0
        assert metric_value(page, "eventlog_uptime_seconds") >= 0
    finally:
        assert broker.stop() == 0


def test_without_http_listen_nothing_listens_for_http(tmp_path):
    broker = Eventlogd(str(tmp_path / "data"), http=False).start()
    try:
        assert broker.http is None
        assert not any("serving HTTP" in l for l in broker.stdout_lines)
    finally:
        assert broker.stop() == 0


def test_an_http_port_in_use_stops_eventlogd_with_a_clear_message(tmp_path):
    # cpp-httplib's default SO_REUSEPORT let a second eventlogd share the
    # port and answer a random share of the probes.
    first = Eventlogd(str(tmp_path / "first")).start()
    try:
        taken = first.http[len("http://"):]
        result = run(binary("EVENTLOGD"), f"--data_dir={tmp_path / 'second'}",
                     "--listen=127.0.0.1:0", f"--http_listen={taken}")
        assert result.returncode != 0, (result.stdout, result.stderr)
        assert f"cannot listen for HTTP on {taken}" in result.stderr, result.stderr
        assert not any("serving HTTP" in line for line in result.stdout.splitlines())
        assert first.get("/healthz")[0] == 200
    finally:
        assert first.stop() == 0


def test_an_unreachable_etcd_stops_eventlogd_naming_etcd(tmp_path):
    result = run(binary("EVENTLOGD"), f"--data_dir={tmp_path / 'data'}", "--listen=127.0.0.1:0",
                 "--cluster_etcd=127.0.0.1:1", "--broker_id=1")  # nothing listens on port 1
    assert result.returncode != 0, (result.stdout, result.stderr)
    assert "etcd at 127.0.0.1:1" in result.stderr, result.stderr


def test_with_tls_the_http_listener_serves_https_with_the_same_certificate(tmp_path):
    certs = tmp_path / "certs"
    subprocess.run([os.path.join(SOURCE_DIR, "tests", "service", "security", "make_test_certs.sh"),
                    str(certs)], check=True, timeout=60)
    broker = Eventlogd(str(tmp_path / "data"), [f"--tls_cert={certs / 'server.pem'}",
                                                f"--tls_key={certs / 'server.key'}"]).start()
    try:
        https = broker.http.replace("http://", "https://")
        context = ssl.create_default_context(cafile=str(certs / "ca.pem"))
        with urllib.request.urlopen(https + "/readyz", context=context, timeout=30) as response:
            assert (response.status, response.read()) == (200, b"ready\n")
        with urllib.request.urlopen(https + "/metrics", context=context, timeout=30) as response:
            assert b"eventlog_build_info" in response.read()
        with pytest.raises(OSError):  # plain HTTP is not spoken there
            urllib.request.urlopen(broker.http + "/healthz", timeout=30).read()
    finally:
        assert broker.stop() == 0
