"""Trusting the proxy in front (opt-in): links name the site the client asked for.

Behind a dev server's proxy (Vite with ``changeOrigin``, webpack's devServer) the mock sees
the proxy's Host; pagination, file and playback links and the served spec's ``servers``
would point past the page's origin to the mock. With ``--trust-proxy`` the host and scheme
come from ``Forwarded`` (RFC 7239: the first element's ``host=`` and ``proto=``), else
``X-Forwarded-Host`` / ``X-Forwarded-Proto`` (their first value). Off by default: any
client could otherwise steer the links the mock hands out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# Where the Host the request arrived with is kept once a trusted proxy's host replaced it:
# the DNS-rebinding check judges that one (a page could send X-Forwarded-Host: localhost).
RECEIVED_HOST = "onepin_mock.received_host"
_PAIR = re.compile(r'\s*([A-Za-z]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*)\s*')
_SCHEMES = ("http", "https")
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def forwarded_pairs(header: str) -> dict[str, str]:
    """The parameters of the first (client-nearest proxy's) element of a Forwarded header."""
    first = header.split(",", 1)[0]
    pairs = {}
    for part in first.split(";"):
        match = _PAIR.fullmatch(part)
        if match:
            value = match.group(2)
            if value.startswith('"'):
                value = value[1:-1].replace('\\"', '"')
            pairs[match.group(1).lower()] = value
    return pairs


def forwarded_origin(environ: dict[str, Any]) -> tuple[str | None, str | None]:
    """(host, scheme) the proxy says the client used; None where it says nothing usable."""
    header = environ.get("HTTP_FORWARDED")
    if header:
        pairs = forwarded_pairs(header)
        host, scheme = pairs.get("host"), pairs.get("proto")
    else:
        host = _first(environ.get("HTTP_X_FORWARDED_HOST"))
        scheme = _first(environ.get("HTTP_X_FORWARDED_PROTO"))
    host = host if host and _HOST.match(host) else None
    scheme = scheme.lower() if scheme and scheme.lower() in _SCHEMES else None
    return host, scheme


def _first(value: str | None) -> str | None:
    return value.split(",", 1)[0].strip() if value else None


class TrustForwarded:
    """WSGI middleware: take the request's host and scheme from the proxy's headers."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        host, scheme = forwarded_origin(environ)
        if host:
            environ[RECEIVED_HOST] = environ.get("HTTP_HOST")
            environ["HTTP_HOST"] = host
        if scheme:
            environ["wsgi.url_scheme"] = scheme
        return self.app(environ, start_response)
