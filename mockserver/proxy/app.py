"""The proxy as one WSGI app: relay to the upstream, judge both directions, report.

Each violation is reported three ways: an ``X-OnePin-Contract-Violation`` response header
(one per violation, so a client or a browser's network tab sees it), a log line, and the
journal at ``GET /__mock/violations``. ``GET /__mock/health`` answers for the proxy itself.
"""

from __future__ import annotations

import http.client
import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from werkzeug.datastructures import Headers
from werkzeug.wrappers import Request, Response

from ..redact import redact_url
from ..verify.exchange import Exchange
from .journal import Entry, Violation, ViolationJournal
from .recorder import Recorder
from .validation import Validator

VIOLATION_HEADER = "X-OnePin-Contract-Violation"
MAX_VIOLATION_HEADERS = 20
UPSTREAM_TIMEOUT = 60.0
_HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
               "trailer", "transfer-encoding", "upgrade", "content-length", "host",
               "content-encoding"}
log = logging.getLogger("onepin-mock.proxy")


class Upstream:
    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.scheme, self.host = parts.scheme or "http", parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if self.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        self.url = base_url.rstrip("/")

    def send(self, method: str, path_and_query: str, headers: dict[str, str],
             body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        kind = (http.client.HTTPSConnection if self.scheme == "https"
                else http.client.HTTPConnection)
        connection = kind(self.host, self.port, timeout=UPSTREAM_TIMEOUT)
        try:
            connection.request(method, self.prefix + path_and_query, body=body or None,
                               headers=headers)
            answer = connection.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        finally:
            connection.close()


class ProxyApp:
    def __init__(self, upstream: str, validator: Validator, journal: ViolationJournal,
                 recorder: Recorder | None = None) -> None:
        self.upstream = Upstream(upstream)
        self.validator = validator
        self.journal = journal
        self.recorder = recorder

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        if request.path.startswith("/__mock/"):
            response = self._admin(request)
        else:
            try:
                response = self._relay(request)
            except OSError as exc:
                response = _json(502, {"error": {"code": "BAD_GATEWAY",
                                                 "message": f"upstream unreachable: {exc}"}})
        return response(environ, start_response)

    def _admin(self, request: Request) -> Response:
        if request.path == "/__mock/health":
            return _json(200, {"status": "ok", "upstream": redact_url(self.upstream.url)})
        if request.path == "/__mock/violations" and request.method == "GET":
            return _json(200, {"data": [e.as_json() for e in self.journal.entries()]})
        if request.path == "/__mock/violations" and request.method == "DELETE":
            return _json(200, {"data": {"cleared": self.journal.clear()}})
        return _json(404, {"error": {"code": "NOT_FOUND", "message": "not a proxy endpoint"}})

    def _relay(self, request: Request) -> Response:
        body = request.get_data()
        op, path_params, routing = self.validator.match(request.method, request.path)
        violations = [routing] if routing else []
        if op is not None:
            violations += self.validator.request(op, path_params, request.args,
                                                 request.headers, body)
        forwarded = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        forwarded["Host"] = f"{self.upstream.host}:{self.upstream.port}"
        # Plain bodies from upstream: the proxy reads (validates, records) every answer and
        # relays it without Content-Encoding, so a compressed one would reach the client
        # undecodable.
        forwarded["Accept-Encoding"] = "identity"
        query = request.query_string.decode("latin-1")
        target = request.path + (f"?{query}" if query else "")
        status, headers, payload = self.upstream.send(request.method, target, forwarded, body)
        exchange = Exchange(
            operation=f"{op.method} {op.path}" if op else "", method=request.method,
            url=f"{self.upstream.url}{target}", request_headers=forwarded,
            request_body=body.decode("utf-8", "replace") or None, status=status,
            response_headers={k.lower(): v for k, v in headers}, response_body=payload)
        if op is not None:
            violations += self.validator.response(op, exchange,
                                                  request.headers.get("Authorization"))
            if self.recorder is not None:
                self.recorder.observe(op.operation_id, path_params, exchange,
                                      request.headers.get("Authorization", ""),
                                      request.headers.get("X-Workspace-Id"))
        self._report(request, op.operation_id if op else None, status, violations)
        return _relay_response(status, headers, payload, violations)

    def _report(self, request: Request, operation_id: str | None, status: int,
                violations: list[Violation]) -> None:
        if not violations:
            return
        self.journal.add(Entry(at=datetime.now(UTC).isoformat(), method=request.method,
                               path=request.path, operation=operation_id, status=status,
                               violations=tuple(violations)))
        for violation in violations:
            log.warning("contract violation: %s %s -> %d: %s %s: %s", request.method,
                        request.path, status, violation.direction, violation.check,
                        violation.message)


def _relay_response(status: int, headers: list[tuple[str, str]], payload: bytes,
                    violations: list[Violation]) -> Response:
    out = Headers([(k, v) for k, v in headers if k.lower() not in _HOP_BY_HOP])
    for violation in violations[:MAX_VIOLATION_HEADERS]:
        text = f"{violation.direction} {violation.check}: {violation.message}"
        out.add(VIOLATION_HEADER, text.encode("latin-1", "replace").decode("latin-1")[:400])
    return Response(payload, status=status, headers=out)


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")
