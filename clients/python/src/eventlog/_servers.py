"""Bootstrap server lists: "host:port" or "host1:port1,host2:port2,...".

One server is handed to gRPC as given (it resolves the name and re-resolves
it on reconnect). Several are resolved here, once, into one ipv4: (or
ipv6:) address list; gRPC's pick_first policy connects to the first address
that answers and, when the broker in use goes away (UNAVAILABLE, connection
lost), moves on to the next one that answers. Calls in flight at that moment
fail with UNAVAILABLE, as with one broker. The first name is the channel's
authority, which TLS verifies: every broker's certificate must be valid for
it.

Pure functions; thread-safe.
"""

from __future__ import annotations

import socket
from typing import List, Tuple

__all__ = ["channel_target", "split_servers"]


def split_servers(servers: str) -> List[str]:
    """The "host:port" entries of a comma-separated list (blanks dropped)."""
    entries = [s.strip() for s in servers.split(",")]
    entries = [s for s in entries if s]
    if not entries:
        raise ValueError(f"no server in {servers!r} (expected HOST:PORT[,HOST:PORT...])")
    return entries


def _host_port(entry: str) -> Tuple[str, str]:
    host, sep, port = entry.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"server {entry!r} is not HOST:PORT")
    return host.strip("[]"), port


def channel_target(servers: str) -> Tuple[str, List[Tuple[str, str]]]:
    """(gRPC target, extra channel options) for a server list. Raises
    ValueError for a malformed entry or when no name resolves."""
    entries = split_servers(servers)
    if len(entries) == 1:
        return entries[0], []
    v4: List[str] = []
    v6: List[str] = []
    for entry in entries:
        host, port = _host_port(entry)
        try:
            infos = socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)
        except socket.gaierror:
            continue  # a broker whose name does not resolve now is skipped
        for family, _, _, _, sockaddr in infos:
            if family == socket.AF_INET:
                address = f"{sockaddr[0]}:{port}"
                if address not in v4:
                    v4.append(address)
            elif family == socket.AF_INET6:
                address = f"[{sockaddr[0]}]:{port}"
                if address not in v6:
                    v6.append(address)
    if not v4 and not v6:
        raise ValueError(f"none of the servers {servers!r} resolves to an address")
    target = "ipv4:" + ",".join(v4) if v4 else "ipv6:" + ",".join(v6)
    return target, [("grpc.default_authority", entries[0])]
