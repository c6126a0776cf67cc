"""The request pipeline, in the order it runs:

version gate -> (control API: admin token, cross-site guard) -> authenticate/authorize
-> overrides and faults (never on /__mock/) -> bounded body -> parse + validate -> handler
-> envelope -> (strict: validate the response against the spec).

The journal is not a stage: ``app.py``'s ``after_request`` hands it the exchange once the
response is final.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import time
import traceback
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from flask import Request, Response, g, request
from packaging.version import InvalidVersion, Version

from . import byte_ranges
from .auth import WORKSPACE_HEADER, Authenticator, Principal
from .control.admin_guard import check_control_request
from .control.canned import CannedBodies
from .control.overrides import NO_OVERRIDES, OverrideReader, Overrides
from .envelope import compact_json, error_body, new_meta, truncate_ms
from .errors import (
    ApiError,
    PayloadTooLarge,
    ResponseContractError,
    ServerError,
    Unauthorized,
    UpgradeRequired,
    ValidationFailed,
    error_for_status,
)
from .handlers.base import Handler, Reply, RequestContext
from .recording.journal import Journal
from .requests import ParsedInput, parse_request
from .settings import Settings
from .spec import Operation
from .world.service import StateEngine

log = logging.getLogger("onepin_mock")
VERSION_HEADER = "X-OnePin-Required-Version"
ADMIN_HEADER = "X-Mock-Admin-Token"
_SDK_AGENT = re.compile(r"^onepin(?:-python)?/(\S+)")


class Pipeline:
    def __init__(self, settings: Settings, engine: StateEngine, authenticator: Authenticator,
                 canned: CannedBodies, journal: Journal,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        self.settings = settings
        self.engine = engine
        self.world = engine.world
        self.authenticator = authenticator
        self.on_error = on_error
        self.overrides = OverrideReader(settings, lambda: engine.world.fault_changes)
        self.canned = canned
        self.journal = journal

    def view_for(self, operation: Operation, handler: Handler) -> Callable[..., Response]:
        def view(**path: str) -> Response:
            return self.run(operation, handler, path)

        view.__name__ = operation.operation_id
        return view

    def run(self, operation: Operation, handler: Handler, path: dict[str, str]) -> Response:
        self.engine.sync()  # what other processes wrote is visible before anything is read
        now = truncate_ms(self.world.clock.now())
        meta = new_meta(now)
        g.onepin_operation = operation.operation_id
        g.onepin_request_id = meta["request_id"]
        # Statuses forced by override headers or injected faults are on purpose outside
        # the contract, so strict mode does not judge them.
        forced = False
        try:
            principal = self._authorize(operation, now, path.get("workspace_id"))
            # Overrides come after authentication, so an anonymous caller cannot use them
            # to hold worker threads or to skip the auth answer. A malformed override
            # header is the mock's own concern, outside the contract too.
            forced = True
            overrides = self._overrides(operation)
            self._delay(overrides)
            forced = overrides.forces_answer()
            dropped = self._forced_answer(operation, overrides)
            if dropped is not None:
                return dropped
            inputs = self._parse(operation, path)
            canned = self.canned.body(operation, overrides)
            if canned is not None:
                response = json_response(canned, operation.success_status)
            else:
                context = self._context(operation, inputs, principal, now)
                response = self._success(operation, handler(context), meta,
                                         request.headers.get("Range"))
        except ApiError as error:
            response = render_error(error, meta)
        except Exception as exc:  # a bug: report it, never leak a traceback to the client
            log.error("unhandled error in %s\n%s", operation.operation_id, traceback.format_exc())
            if self.on_error:
                self.on_error(exc)
            response = render_error(ServerError("Internal server error"), meta)
        g.onepin_forced = forced  # the coverage report sets forced answers apart
        if self.settings.strict_responses and not forced:
            check_response(operation, response)
        return response

    def _parse(self, operation: Operation, path: dict[str, str]) -> ParsedInput:
        """Parse and validate against openapi.yaml; the journal and the coverage report
        keep the outcome (``g.onepin_validation``: the failures, empty when it passed)."""
        try:
            inputs = parse_request(operation, path, request.args, request.headers,
                                   self._body(operation), request.content_type)
        except ValidationFailed as failure:
            g.onepin_validation = failure.details
            raise
        g.onepin_validation = []
        return inputs

    def _authorize(self, operation: Operation, now: datetime,
                   path_workspace: str | None) -> Principal | None:
        self._version_gate(request)
        if operation.raw.get("x-mock-admin"):
            self._admin_gate(request)
            check_control_request(request.method, dict(request.headers), request.host_url,
                                  self.settings.cors_origins)
        principal = self.authenticator.authorize(
            operation, request.headers.get("Authorization"),
            request.headers.get(WORKSPACE_HEADER), now, path_workspace)
        g.onepin_workspace = principal.workspace_id if principal else None
        return principal

    def _context(self, operation: Operation, inputs: ParsedInput, principal: Principal | None,
                 now: datetime) -> RequestContext:
        return RequestContext(
            operation_id=operation.operation_id, inputs=inputs, principal=principal,
            world=self.world, engine=self.engine, journal=self.journal,
            settings=self.settings, now=now,
            request_urls=_request_urls,
            query_items=tuple(request.args.items(multi=True)), faults=self.overrides.faults,
        )

    def _overrides(self, operation: Operation) -> Overrides:
        """The mock's own endpoints never honour overrides: health must answer at once,
        and a reset or export must not be delayed or faked."""
        if is_control(operation):
            return NO_OVERRIDES
        return self.overrides.read(dict(request.headers), _signature(request))

    def _delay(self, overrides: Overrides) -> None:
        """Sleep for the delay the request asked for (clamped to --max-delay-ms)."""
        wait_ms = overrides.wait_ms(self.settings.max_delay_ms)
        if wait_ms > 0:
            time.sleep(wait_ms / 1000)

    def _forced_answer(self, operation: Operation, overrides: Overrides) -> Response | None:
        """A dropped connection, or raise the injected fault or ``Prefer: code`` error
        (with the message of the operation's documented example for that status, as
        Prism answers it, so the example is what a client sees)."""
        fault = overrides.fault
        if fault is not None and fault.kind == "drop":
            return dropped_connection()
        if fault is not None and fault.kind == "status":
            raise error_for_status(fault.status, "Injected fault")
        if overrides.code is not None and overrides.code >= 400:
            documented = self.canned.error_message(operation, overrides.code)
            raise error_for_status(overrides.code,
                                   documented or f"Forced by Prefer: code={overrides.code}")
        return None

    def _body(self, operation: Operation) -> bytes:
        """The request body, at most ``max_body_bytes``; operations without one ignore it."""
        if "requestBody" not in operation.raw:
            return b""
        limit = self.settings.max_body_bytes
        declared = request.content_length
        if declared is None or declared <= limit:
            data = request.stream.read(limit + 1)
            if len(data) <= limit:
                g.onepin_request_body = data  # the stream is read once; the journal shows it
                return data
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes")

    def _admin_gate(self, req: Request) -> None:
        expected = self.settings.admin_token
        given = req.headers.get(ADMIN_HEADER, "")
        if expected and not hmac.compare_digest(given.encode(), expected.encode()):
            raise Unauthorized(f"This control endpoint needs the {ADMIN_HEADER} header")

    def _version_gate(self, req: Request) -> None:
        match = _SDK_AGENT.match(req.headers.get("User-Agent", ""))
        if not match:
            return
        try:
            too_old = Version(match.group(1)) < Version(self.settings.required_sdk_version)
        except InvalidVersion:
            return
        if too_old:
            raise UpgradeRequired(
                f"This API needs onepin >= {self.settings.required_sdk_version}",
                extra={"required_version": self.settings.required_sdk_version},
            )

    @staticmethod
    def _success(operation: Operation, reply: Reply, meta: dict[str, str],
                 range_header: str | None) -> Response:
        status = reply.status or operation.success_status
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


CONTROL_PREFIX = "/__mock/"


def is_control(operation: Operation) -> bool:
    return operation.path.startswith(CONTROL_PREFIX)


def _signature(req: Request) -> str:
    return f"{req.method} {req.full_path}"


def dropped_connection() -> Response:
    """Headers promise a body that never fully arrives: the client sees the link drop."""

    def body() -> Iterator[bytes]:
        yield b'{"data":'
        raise ConnectionAbortedError("connection dropped by fault injection")

    response = Response(body(), status=200, content_type="application/json")
    response.headers["Content-Length"] = "4096"
    return response


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


def check_response(operation: Operation, response: Response) -> None:
    validator = operation.response_validators.get(response.status_code)
    if response.status_code not in operation.raw.get("responses", {}) and str(
        response.status_code
    ) not in operation.raw.get("responses", {}):
        raise ResponseContractError(
            f"{operation.operation_id}: status {response.status_code} is not declared")
    if validator is None or response.content_type != "application/json":
        return
    body = json.loads(response.get_data())
    errors = list(validator.iter_errors(body))
    if errors:
        detail = "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
        raise ResponseContractError(f"{operation.operation_id} {response.status_code}: {detail}")


# The environ values werkzeug builds a request's host and base URLs from.
_URL_PARTS = ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME",
              "PATH_INFO")
_KNOWN_URLS: dict[tuple[Any, ...], tuple[str, str]] = {}
_KNOWN_URLS_MAX = 4096


def _request_urls() -> tuple[str, str]:
    """(scheme://host, scheme://host/path) of this request. Werkzeug builds each with a
    round of quoting and IRI decoding (about 30 microseconds for the two); the same
    environ values give the same URLs, so the last few thousand are kept."""
    environ = request.environ
    key = tuple(environ.get(name) for name in _URL_PARTS)
    urls = _KNOWN_URLS.get(key)
    if urls is None:
        urls = request.host_url.rstrip("/"), request.base_url
        if len(_KNOWN_URLS) >= _KNOWN_URLS_MAX:
            _KNOWN_URLS.clear()
        _KNOWN_URLS[key] = urls
    return urls
