"""The base URLs of the request being answered, which links in answers are built from."""

from __future__ import annotations

from typing import Any

from flask import request

# The environ values werkzeug builds a request's host and base URLs from.
_URL_PARTS = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME",
              "PATH_INFO")


class RequestUrls:
    """``(scheme://host, scheme://host/path)`` of the current request, as werkzeug builds
    them, kept per app for the environ values they came from.

    Werkzeug builds each URL with a round of quoting and IRI decoding (about 30
    microseconds for the two), and the same values give the same URLs. Bound: at most
    ``MAX_KEPT`` combinations (one per host and path asked for; a few hundred bytes each,
    so about 2 MB when full); when full it is emptied whole, so a client sending ever new
    paths costs memory only up to the bound. Nothing else invalidates it: the URLs are a
    pure function of the key.
    """

    MAX_KEPT = 4096

    def __init__(self) -> None:
        self._known: dict[tuple[Any, ...], tuple[str, str]] = {}

    def __call__(self) -> tuple[str, str]:
        environ = request.environ
        key = tuple(environ.get(name) for name in _URL_PARTS)
        urls = self._known.get(key)
        if urls is None:
            urls = request.host_url.rstrip("/"), request.base_url
            if len(self._known) >= self.MAX_KEPT:
                self._known.clear()
            self._known[key] = urls
        return urls

    def __len__(self) -> int:
        return len(self._known)
