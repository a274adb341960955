"""Channels to secured brokers: TLS, mutual TLS and bearer tokens.

    channel = eventlog.connect("broker:7070", ca_file="ca.pem", token="s3cret")
    admin = eventlog.Admin(channel)          # the caller owns the channel
    ...
    channel.close()

Admin, Producer and Consumer accept the returned channel as their target.
Thread-safe (a gRPC channel is).
"""

from __future__ import annotations

from typing import Any, Optional

import grpc

from ._servers import channel_target
from ._stubs import _CHANNEL_OPTIONS

__all__ = ["connect"]


def _read(path: Optional[str]) -> Optional[bytes]:
    if path is None:
        return None
    with open(path, "rb") as f:
        return f.read()


class _BearerToken(  # grpc ships no type information: its classes are Any
    grpc.UnaryUnaryClientInterceptor,  # type: ignore[misc]
    grpc.UnaryStreamClientInterceptor,  # type: ignore[misc]
    grpc.StreamUnaryClientInterceptor,  # type: ignore[misc]
    grpc.StreamStreamClientInterceptor,  # type: ignore[misc]
):
    """Adds "authorization: Bearer <token>" to every call. Metadata rather than
    call credentials, which gRPC sends only over TLS."""

    def __init__(self, token: str) -> None:
        self._header = ("authorization", f"Bearer {token}")

    def _with_token(self, details: Any) -> "_Details":
        return _Details(details, list(details.metadata or []) + [self._header])

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._with_token(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._with_token(details), request)

    def intercept_stream_unary(self, continuation: Any, details: Any, request_iterator: Any) -> Any:
        return continuation(self._with_token(details), request_iterator)

    def intercept_stream_stream(self, continuation: Any, details: Any, request_iterator: Any) -> Any:
        return continuation(self._with_token(details), request_iterator)


class _Details(grpc.ClientCallDetails):  # type: ignore[misc]
    """ClientCallDetails with replaced metadata (gRPC's own type is opaque)."""

    def __init__(self, details: Any, metadata: Any) -> None:
        self.method = details.method
        self.timeout = details.timeout
        self.metadata = metadata
        self.credentials = details.credentials
        self.wait_for_ready = getattr(details, "wait_for_ready", None)
        self.compression = getattr(details, "compression", None)


def connect(
    target: str,
    *,
    tls: bool = False,
    ca_file: Optional[str] = None,
    cert_file: Optional[str] = None,
    key_file: Optional[str] = None,
    token: Optional[str] = None,
) -> grpc.Channel:
    """Opens a channel to `target` ("host:port", or "host1:port1,host2:port2"
    to fail over between brokers).

    TLS is on when `tls` is set or any file is given: the server is verified
    against `ca_file` (PEM; the system roots when None); `cert_file` and
    `key_file` (PEM) are the client certificate for brokers that require
    mutual TLS. `token` is sent as a bearer token with every call. The caller
    closes the channel.
    """
    if (cert_file is None) != (key_file is None):
        raise ValueError("cert_file and key_file go together")
    address, extra = channel_target(target)
    if tls or ca_file or cert_file:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=_read(ca_file),
            private_key=_read(key_file),
            certificate_chain=_read(cert_file),
        )
        channel = grpc.secure_channel(address, credentials, options=_CHANNEL_OPTIONS + extra)
    else:
        channel = grpc.insecure_channel(address, options=_CHANNEL_OPTIONS + extra)
    if token:
        channel = grpc.intercept_channel(channel, _BearerToken(token))
    return channel
