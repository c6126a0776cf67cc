"""Host names: which binds are loopback, what address the server binds, and which ``Host``
headers a loopback mock answers.

A mock on loopback is reachable only from this machine, but a web page can still reach
it through DNS rebinding: ``attacker.example`` first resolves to the attacker's server,
which serves a page, then to 127.0.0.1, so the page's requests reach the mock *same
origin* and no CORS or Origin check stops them. Only the ``Host`` header still names the
attacker, so a loopback mock answers loopback host names (and those its operator allows)
and nothing else.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from dataclasses import dataclass

LOOPBACK_NAME = "localhost"
# The allowed-host entry that accepts every Host header.
ANY_HOST = "*"


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return None


def resolved_addresses(host: str) -> list[str]:
    """Every address ``host`` resolves to (IPv4 first), or none when it does not resolve."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    return sorted(addresses, key=lambda address: ":" in address)


def is_loopback_bind(host: str) -> bool:
    """True when ``host`` (an address, or a name that resolves only to loopback
    addresses) listens on this machine alone."""
    address = _ip(host)
    if address is not None:
        return address.is_loopback
    if host.lower() == LOOPBACK_NAME:
        return True
    resolved = [_ip(address) for address in resolved_addresses(host)]
    return bool(resolved) and all(a is not None and a.is_loopback for a in resolved)


def bind_address(host: str) -> str:
    """The address the server binds for ``--host``: an address as given, a name resolved
    (its first IPv4 address when it has one). Raises ``ValueError`` for a name that does
    not resolve."""
    address = _ip(host)
    if address is not None:
        return str(address)
    resolved = resolved_addresses(host)
    if not resolved:
        raise ValueError(f"--host {host!r} is neither an address nor a name that resolves")
    return resolved[0]


def split_host_header(value: str) -> tuple[str, int | None] | None:
    """``name[:port]`` or ``[v6][:port]`` as (lower-case name, port); None if malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[: end + 1], value[end + 1:]
    else:
        name, colon, port = value.partition(":")
        rest = colon + port
    if not name or any(c.isspace() or c in "/@\\" for c in name):
        return None
    if not rest:
        return name, None
    port = rest[1:]
    if not rest.startswith(":") or not port.isascii() or not port.isdigit() or len(port) > 5:
        return None
    return name, int(port)


def is_loopback_name(name: str) -> bool:
    """``localhost``, an address in 127.0.0.0/8 or ``[::1]`` (a Host header's form)."""
    if name == LOOPBACK_NAME:
        return True
    if name.startswith("["):
        address = _ip(name)
        return address is not None and address.version == 6 and address.is_loopback
    address = _ip(name)
    return address is not None and address.version == 4 and address.is_loopback


@dataclass(frozen=True)
class HostPolicy:
    """Which ``Host`` headers the mock answers. ``enforced`` is off on a non-loopback bind
    without allowed hosts: there the operator's network decides who reaches it."""

    enforced: bool
    allowed: tuple[str, ...] = ()

    @classmethod
    def for_bind(cls, bind_host: str, allowed: tuple[str, ...]) -> HostPolicy:
        cleaned = tuple(entry.strip().lower() for entry in allowed if entry.strip())
        return cls(bool(cleaned) or is_loopback_bind(bind_host), cleaned)

    def accepts(self, host_header: str | None) -> bool:
        # No Host, or an empty one, is no browser's request (every browser names the host
        # it resolved), so no rebinding page can send it.
        if not self.enforced or not host_header or ANY_HOST in self.allowed:
            return True
        return _verdict(self, host_header)


# Every request asks, almost always with one of a few Host values: the verdicts are kept
# (parsing an address costs a few microseconds).
@functools.lru_cache(maxsize=1024)
def _verdict(policy: HostPolicy, host_header: str) -> bool:
    parts = split_host_header(host_header)
    if parts is None:
        return False
    name, port = parts
    return is_loopback_name(name) or any(_matches(entry, name, port) for entry in policy.allowed)


def _matches(entry: str, name: str, port: int | None) -> bool:
    """``name`` any port, ``name:port`` that port, ``.domain`` the domain and below."""
    if entry.startswith("."):
        return name == entry[1:] or name.endswith(entry)
    allowed = split_host_header(entry)
    if allowed is None:
        return False
    allowed_name, allowed_port = allowed
    return allowed_name == name and allowed_port in (None, port)
