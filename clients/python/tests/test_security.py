"""eventlog.connect against a broker with mutual TLS, bearer tokens and an ACL.

Certificates are made at test time by tests/service/security/make_test_certs.sh
(openssl). The broker is started here with its security flags and stopped
(SIGTERM, this pid only) at the end.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

import eventlog
from eventlog import Admin, PermissionDeniedError, Producer, UnauthenticatedError, UnavailableError

_REPO = Path(__file__).resolve().parents[3]
_MAKE_CERTS = _REPO / "tests" / "service" / "security" / "make_test_certs.sh"


@pytest.fixture
def secured(eventlogd, tmp_path):
    certs = tmp_path / "certs"
    subprocess.run([str(_MAKE_CERTS), str(certs)], check=True, capture_output=True)
    (tmp_path / "tokens").write_text("tok-admin admin\ntok-reader reader\n")
    (tmp_path / "acl").write_text("admin all topic:*\nreader read topic:*\n")
    proc = subprocess.Popen(
        [
            eventlogd,
            "--listen=127.0.0.1:0",
            f"--data_dir={tmp_path / 'data'}",
            f"--tls_cert={certs / 'server.pem'}",
            f"--tls_key={certs / 'server.key'}",
            f"--tls_client_ca={certs / 'ca.pem'}",
            f"--auth_tokens={tmp_path / 'tokens'}",
            f"--acl={tmp_path / 'acl'}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
    )
    try:
        line = proc.stdout.readline().decode()
        m = re.search(r"listening on (\S+)", line)
        assert m, f"eventlogd did not start: {line!r}"
        yield m.group(1), certs
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _mtls(target, certs, token=None):
    return eventlog.connect(
        target,
        ca_file=str(certs / "ca.pem"),
        cert_file=str(certs / "client.pem"),
        key_file=str(certs / "client.key"),
        token=token,
    )


def test_tokens_and_acl_over_mutual_tls(secured):
    target, certs = secured
    admin_channel = _mtls(target, certs, token="tok-admin")
    reader_channel = _mtls(target, certs, token="tok-reader")
    try:
        Admin(admin_channel, timeout=20).create_topic("orders", 1)
        with Producer(admin_channel) as producer:
            producer.send("orders", b"one").result(timeout=20)
        reader = Admin(reader_channel, timeout=20)
        assert [t.name for t in reader.list_topics()] == ["orders"]
        with pytest.raises(PermissionDeniedError, match='"reader" may not admin topic'):
            reader.create_topic("mine", 1)
    finally:
        admin_channel.close()
        reader_channel.close()


def test_refusals(secured):
    target, certs = secured
    # Without a token the certificate names the caller (CN=alice), who has no grant.
    with _mtls(target, certs) as channel:
        with pytest.raises(PermissionDeniedError, match='"alice"'):
            Admin(channel, timeout=20).create_topic("x", 1)
    with _mtls(target, certs, token="wrong") as channel:
        with pytest.raises(UnauthenticatedError):
            Admin(channel, timeout=20).list_topics()
    # No client certificate: the TLS handshake is refused.
    with eventlog.connect(target, ca_file=str(certs / "ca.pem"), token="tok-admin") as channel:
        with pytest.raises(UnavailableError):
            Admin(channel, timeout=20).list_topics()
    with pytest.raises(ValueError):
        eventlog.connect(target, cert_file=str(certs / "client.pem"))
