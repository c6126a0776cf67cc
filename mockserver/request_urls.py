"""The base URLs of the request being answered, which links in answers are built from."""

from __future__ import annotations

from typing import Any

from flask import request

from .caches import StampedCache

# The environ values werkzeug builds a request's host and base URLs from.
_URL_PARTS = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME",
              "PATH_INFO")


class RequestUrls:
    """``(scheme://host, scheme://host/path)`` of the current request, as werkzeug builds
    them, kept per app for the environ values they came from.

    Werkzeug builds each URL with a round of quoting and IRI decoding (about 30
    microseconds for the two), and the same values give the same URLs: a pure function of
    the key, so no stamp and nothing to invalidate. Bound: ``MAX_KEPT`` combinations of
    host and path, least recently used first (a few hundred bytes each, about 2 MB when
    full), so a client sending ever new paths costs memory only up to the bound.
    """

    MAX_KEPT = 4096

    def __init__(self, bound: int = MAX_KEPT) -> None:
        self._known: StampedCache[tuple[Any, ...], None, tuple[str, str]] = StampedCache(
            "request URLs", bound)

    def __call__(self) -> tuple[str, str]:
        environ = request.environ
        key = tuple(environ.get(name) for name in _URL_PARTS)
        return self._known.get_or_make(
            key, None, lambda: (request.host_url.rstrip("/"), request.base_url))

    def __len__(self) -> int:
        return len(self._known)
