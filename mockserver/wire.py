"""Wire encoding: how an answer becomes the bytes of a response.

JSON bodies are compact and keep non-ASCII text as it is (``envelope.compact_json``); a
body with a lone surrogate echoed from a request is escaped instead. A handler's reply is
wrapped in the envelope (``{data, meta[, pagination]}``), an error in ``{error, meta}``;
a ``data`` encoded earlier (a kept read) has the envelope spliced around its bytes; a file
that takes byte ranges answers the ``Range`` asked for.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import Response

from . import byte_ranges
from .envelope import compact_json, error_body
from .errors import ApiError
from .handlers.base import Reply


class CompactJson(Response):
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
        return Response(data, status=status, content_type="application/json")
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
    if reply.body_bytes is not None and reply.byte_ranges:
        part = byte_ranges.select(reply.body_bytes, range_header)
        response = Response(part.body, status=part.status, content_type=reply.content_type)
        response.headers.update(part.headers)
    elif reply.body_bytes is not None:
        response = Response(reply.body_bytes, status=status, content_type=reply.content_type)
    elif reply.data_json is not None:
        response = encoded_envelope(reply.data_json, meta, reply.pagination, status)
    else:
        body: Any = reply.data
        if not reply.raw:
            body = {"data": reply.data, "meta": meta}
            if reply.pagination is not None:
                body["pagination"] = reply.pagination
        response = json_response(body, status)
    response.headers.update(reply.headers)
    return response


def dropped_connection() -> Response:
    """Headers promise a body that never fully arrives: the client sees the link drop."""

    def body() -> Iterator[bytes]:
        yield b'{"data":'
        raise ConnectionAbortedError("connection dropped by fault injection")

    response = Response(body(), status=200, content_type="application/json")
    response.headers["Content-Length"] = "4096"
    return response
