"""Wire encoding: how an answer becomes the bytes of a response.

JSON bodies are compact and keep non-ASCII text as it is (``envelope.compact_json``); a
body with a lone surrogate echoed from a request is escaped instead. A handler's reply is
wrapped in the envelope (``{data, meta[, pagination]}``), an error in ``{error, meta}``;
a ``data`` encoded earlier (a kept read) has the envelope spliced around its bytes; a file
that takes byte ranges answers the ``Range`` asked for.

Compressed answers, for clients that accept them (what browsers and dev servers expect):
``Compressing`` is a WSGI middleware around the whole app, outside the journal, so the
journal keeps the body the mock built and the client gets it gzip- or brotli-encoded.
Only text media (JSON, YAML, HTML, CSS, JavaScript) of at least ``MIN_BYTES`` are
compressed; files (WAV, ZIP), byte ranges, HEAD answers and bodies already encoded pass
through untouched. Brotli is used when the client prefers it or accepts it and gzip
equally; its quality is kept low, since a mock answers on loopback and the time spent
compressing is the cost that matters.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import brotli
from flask import Response
from werkzeug.http import parse_accept_header

from . import byte_ranges
from .envelope import compact_json, error_body
from .errors import ApiError
from .handlers.base import Reply


class Answer(Response):
    """The app's response class: a body held whole leaves as a one-item list. Granian
    writes a list in one go, but walks any other iterable from its own threads, taking the
    interpreter lock back for each item and once more for its end: under load, each is a
    wait behind another request. A streamed body (a generator) is sent as it comes."""

    def get_app_iter(self, environ: dict[str, Any]) -> Iterable[bytes]:
        chunks = super().get_app_iter(environ)
        if not self.is_sequence:
            return chunks
        try:
            return [b"".join(chunks)]
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()


class CompactJson(Answer):
    """A body ``json_response`` encoded itself (compact, ``ensure_ascii=False``): decoding
    and encoding it again the same way gives the same text, so the journal can keep it
    as it is (see ``captured_body``)."""

    # The body in the pieces it was made of, one of them a page kept encoded that other
    # answers share: the journal holds these instead of a copy of the whole.
    body_parts: tuple[bytes, ...] | None = None

    def set_data(self, value: bytes | str) -> None:
        self.body_parts = None  # a new body: the pieces no longer make it
        super().set_data(value)


def json_response(body: Any, status: int) -> Response:
    try:
        data = compact_json(body)
    except UnicodeEncodeError:  # lone surrogates echoed from a request: escape them
        data = json.dumps(body, separators=(",", ":")).encode("ascii")
        return Answer(data, status=status, content_type="application/json")
    return CompactJson(data, status=status, content_type="application/json")


def encoded_envelope(data_json: bytes, meta: dict[str, str], pagination: dict[str, Any] | None,
                     status: int) -> Response:
    """The envelope around a ``data`` encoded earlier: the same bytes ``json_response``
    would give for ``{"data": ..., "meta": ..., "pagination": ...}``, without encoding
    ``data`` again."""
    try:
        parts = [b'{"data":', data_json, b',"meta":', compact_json(meta)]
        if pagination is not None:
            parts += [b',"pagination":', compact_json(pagination)]
    except UnicodeEncodeError:  # a link repeating a lone surrogate: the whole body escaped
        body = {"data": json.loads(data_json), "meta": meta}
        if pagination is not None:
            body["pagination"] = pagination
        return json_response(body, status)
    parts.append(b"}")
    response = CompactJson(b"".join(parts), status=status, content_type="application/json")
    response.body_parts = (parts[0], data_json, b"".join(parts[2:]))
    return response


def render_error(error: ApiError, meta: dict[str, str]) -> Response:
    response = json_response(error_body(error, meta), error.status)
    response.headers.update(error.headers)
    return response


def reply_response(reply: Reply, success_status: int, meta: dict[str, str],
                   range_header: str | None) -> Response:
    """A handler's reply on the wire: a file (the ``Range`` asked for, when it takes
    them), the envelope around its data, or its body as it is (``raw``)."""
    status = reply.status or success_status
    response: Response
    if reply.body_bytes is not None and reply.byte_ranges:
        part = byte_ranges.select(reply.body_bytes, range_header)
        response = Answer(part.body, status=part.status, content_type=reply.content_type)
        response.headers.update(part.headers)
    elif reply.body_bytes is not None:
        response = Answer(reply.body_bytes, status=status, content_type=reply.content_type)
    elif reply.data_json is not None:
        response = encoded_envelope(reply.data_json, meta, reply.pagination, status)
    else:
        body: Any = reply.data
        if not reply.raw:
            body = {"data": reply.data, "meta": meta}
            if reply.pagination is not None:
                body["pagination"] = reply.pagination
        response = json_response(body, status)
    if reply.headers:
        response.headers.update(reply.headers)
    return response


def dropped_connection() -> Response:
    """Headers promise a body that never fully arrives: the client sees the link drop."""

    def body() -> Iterator[bytes]:
        yield b'{"data":'
        raise ConnectionAbortedError("connection dropped by fault injection")

    response = Answer(body(), status=200, content_type="application/json")
    response.headers["Content-Length"] = "4096"
    return response


# -- compressed answers ----------------------------------------------------------------

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
        # The header list is read and extended as it is: werkzeug's ``Headers`` around it
        # cost more than the rest of this middleware on an answer it leaves alone.
        if not compressible(_header(header_list, "content-type") or ""):
            start_response(status, header_list, exc_info)
            return body
        header_list = [*header_list, ("Vary", "Accept-Encoding")]
        if (coding is None or _header(header_list, "content-encoding") is not None
                or _header(header_list, "content-range") is not None
                or not status.startswith("200")):
            start_response(status, header_list, exc_info)
            return body
        read: list[bytes] = []
        try:
            data = _read_all(body, read)
        except Exception as exc:
            start_response(status, header_list, exc_info)
            return _broken(read, exc)
        if len(data) < MIN_BYTES:
            start_response(status, header_list, exc_info)
            return [data]
        encoded = encode(data, coding)
        start_response(status, _with_coding(header_list, coding, len(encoded)), exc_info)
        return [encoded]


def _header(header_list: list[tuple[str, str]], lower_name: str) -> str | None:
    """The first value of a header, by its lower-case name."""
    for name, value in header_list:
        if name.lower() == lower_name:
            return value
    return None


def _with_coding(header_list: list[tuple[str, str]], coding: str,
                 length: int) -> list[tuple[str, str]]:
    """The headers of the encoded body: the coding added, and its length in place of the
    plain body's (added after the coding if there was none)."""
    kept = [(name, value) for name, value in header_list if name.lower() != "content-length"]
    where = next((i for i, (name, _) in enumerate(header_list)
                  if name.lower() == "content-length"), None)
    kept.append(("Content-Encoding", coding))
    kept.insert(len(kept) if where is None else where, ("Content-Length", str(length)))
    return kept


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
