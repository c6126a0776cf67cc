"""Compressed answers for clients that accept them (what browsers and dev servers expect).

A WSGI middleware around the whole app, outside the journal: the journal keeps the body
the mock built, the client gets it gzip- or brotli-encoded. Only text media (JSON, YAML,
HTML, CSS, JavaScript) of at least ``MIN_BYTES`` are compressed; files (WAV, ZIP), byte
ranges, HEAD answers and bodies already encoded pass through untouched. Brotli is used
when the client prefers it or accepts it and gzip equally; its quality is kept low, since
a mock answers on loopback and the time spent compressing is the cost that matters.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import brotli
from werkzeug.datastructures import Headers
from werkzeug.http import parse_accept_header

MIN_BYTES = 1024
GZIP_LEVEL = 6
BROTLI_QUALITY = 4
_TEXT_MEDIA = ("application/json", "application/yaml", "application/x-yaml",
               "application/javascript", "text/")

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def compressible(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media.startswith(_TEXT_MEDIA) or media.endswith(("+json", "+yaml"))


def chosen_encoding(accept_encoding: str) -> str | None:
    """``br``, ``gzip`` or None, from an Accept-Encoding header (q=0 refuses a coding)."""
    offered = parse_accept_header(accept_encoding)
    named = {value.lower() for value, _quality in offered}
    quality = {coding: offered[coding] for coding in ("br", "gzip")}
    wildcard = offered["*"]
    for coding in quality:
        if coding not in named and wildcard:
            quality[coding] = wildcard
    best = max(quality, key=lambda coding: (quality[coding], coding == "br"))
    return best if quality[best] > 0 else None


def encode(body: bytes, coding: str) -> bytes:
    if coding == "br":
        return bytes(brotli.compress(body, quality=BROTLI_QUALITY))
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


class Compressing:
    """WSGI middleware: encode text answers the client accepts compressed."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse
                 ) -> Iterable[bytes]:
        coding = (None if environ.get("REQUEST_METHOD") == "HEAD"
                  else chosen_encoding(environ.get("HTTP_ACCEPT_ENCODING", "")))
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers, exc_info]
            return lambda data: None  # the legacy write() callable: Flask never uses it

        body = self.app(environ, capture)
        status, header_list, exc_info = captured
        headers = Headers(header_list)
        if not compressible(headers.get("Content-Type", "")):
            start_response(status, header_list, exc_info)
            return body
        headers.add("Vary", "Accept-Encoding")
        if (coding is None or "Content-Encoding" in headers or "Content-Range" in headers
                or not status.startswith("200")):
            start_response(status, headers.to_wsgi_list(), exc_info)
            return body
        read: list[bytes] = []
        try:
            data = _read_all(body, read)
        except Exception as exc:
            start_response(status, header_list, exc_info)
            return _broken(read, exc)
        if len(data) < MIN_BYTES:
            start_response(status, headers.to_wsgi_list(), exc_info)
            return [data]
        encoded = encode(data, coding)
        headers["Content-Encoding"] = coding
        headers["Content-Length"] = str(len(encoded))
        start_response(status, headers.to_wsgi_list(), exc_info)
        return [encoded]


def _read_all(body: Iterable[bytes], read: list[bytes]) -> bytes:
    try:
        for chunk in body:
            read.append(chunk)
        return b"".join(read)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def _broken(read: list[bytes], error: Exception) -> Iterator[bytes]:
    """What was read, then the same failure: a body that breaks off still breaks off."""
    yield from read
    raise error
