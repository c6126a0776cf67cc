"""The request pipeline: the stages an API request runs through, in this order.

 1. sync             apply what other processes appended to the event log
 2. record           the operation and the answer's request id go on the request record
 3. version gate     User-Agent onepin/X older than required -> 426
 4. control guard    the control API only: admin token, then the cross-site guard
 5. authorize        authenticate the caller and check scope, role and workspace
 6. overrides        never on /__mock/: delay, dropped connection, injected status,
                     ``Prefer: code``
 7. body             read only where the operation has one, at most ``max_body_bytes``
 8. parse            coerce and validate against openapi.yaml
 9. answer           a body from the contract (``Prefer: example``/``dynamic``) or the
                     handler's reply
10. wire encoding    the envelope around it (``wire.py``)
11. strict check     the response against the spec (``response_check.py``); not for an
                     answer the client forced

An ``ApiError`` raised by stages 3-10 is answered in the error envelope, and any other
exception as a 500 in it, before stage 11; a dropped connection (stage 6) is answered as
it is. What the stages learn goes on the request record
(``request_record.py``); the journal and the access log are not stages of this pipeline:
``app.py``'s ``after_request`` hook reads the record once the response is final.
"""

from __future__ import annotations

import hmac
import logging
import re
import time
import traceback
from collections.abc import Callable
from datetime import datetime

from flask import Request, Response, request
from packaging.version import InvalidVersion, Version

from . import request_record, wire
from .auth import WORKSPACE_HEADER, Authenticator, Principal
from .control.admin_guard import check_control_request
from .control.canned import CannedBodies
from .control.overrides import NO_OVERRIDES, OVERRIDE_HEADERS, OverrideReader, Overrides
from .envelope import new_meta, truncate_ms
from .errors import (
    ApiError,
    PayloadTooLarge,
    ServerError,
    Unauthorized,
    UpgradeRequired,
    ValidationFailed,
    error_for_status,
)
from .handlers.base import Handler, RequestContext
from .recording.journal import Journal
from .request_record import RequestRecord
from .request_urls import RequestUrls
from .requests import ParsedInput, parse_request
from .response_check import check_response
from .settings import Settings
from .spec import Operation
from .world.service import StateEngine

log = logging.getLogger("onepin_mock")
VERSION_HEADER = "X-OnePin-Required-Version"
ADMIN_HEADER = "X-Mock-Admin-Token"
_SDK_AGENT = re.compile(r"^onepin(?:-python)?/(\S+)")
_WORKSPACE_KEY = "HTTP_" + WORKSPACE_HEADER.upper().replace("-", "_")


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
        self.request_urls = RequestUrls()

    def view_for(self, operation: Operation, handler: Handler) -> Callable[..., Response]:
        def view(**path: str) -> Response:
            return self.run(operation, handler, path)

        view.__name__ = operation.operation_id
        return view

    def run(self, operation: Operation, handler: Handler, path: dict[str, str]) -> Response:
        self.engine.sync()  # 1: what other processes wrote is visible before anything is read
        now = truncate_ms(self.world.clock.now())
        meta = new_meta(now)
        record = request_record.current()  # 2
        record.operation_id = operation.operation_id
        record.request_id = meta["request_id"]
        try:
            response = self._answer(operation, handler, path, record, now, meta)
        except ApiError as error:
            response = wire.render_error(error, meta)
        except Exception as exc:  # a bug: report it, never leak a traceback to the client
            log.error("unhandled error in %s\n%s", operation.operation_id, traceback.format_exc())
            if self.on_error:
                self.on_error(exc)
            response = wire.render_error(ServerError("Internal server error"), meta)
        # 11: statuses forced by override headers or injected faults are on purpose
        # outside the contract, so strict mode does not judge them.
        if self.settings.strict_responses and not record.forced:
            check_response(operation, response)
        return response

    def _answer(self, operation: Operation, handler: Handler, path: dict[str, str],
                record: RequestRecord, now: datetime, meta: dict[str, str]) -> Response:
        """Stages 3 to 10; an ``ApiError`` from any of them is the answer instead."""
        self._version_gate(request)  # 3
        if operation.raw.get("x-mock-admin"):  # 4
            self._control_guard(request)
        principal = self._authorize(operation, now, record, path.get("workspace_id"))  # 5
        # 6: overrides come after authentication, so an anonymous caller cannot use them
        # to hold worker threads or to skip the auth answer. A malformed override header
        # is the mock's own concern, outside the contract too.
        record.forced = True
        overrides = self._overrides(operation)
        self._delay(overrides)
        record.forced = overrides.forces_answer()  # the coverage report sets these apart
        dropped = self._forced_answer(operation, overrides)
        if dropped is not None:
            return dropped
        inputs = self._parse(operation, path, record)  # 7 and 8
        canned = self.canned.body(operation, overrides)  # 9
        if canned is not None:
            return wire.json_response(canned, operation.success_status)
        reply = handler(self._context(operation, inputs, principal, now))
        return wire.reply_response(reply, operation.success_status, meta,  # 10
                                   request.environ.get("HTTP_RANGE"))

    def _parse(self, operation: Operation, path: dict[str, str],
               record: RequestRecord) -> ParsedInput:
        """Parse and validate against openapi.yaml; the journal and the coverage report
        keep the outcome (``record.validation``: the failures, empty when it passed)."""
        try:
            inputs = parse_request(operation, path, request.args, request.headers,
                                   self._body(operation, record), request.content_type)
        except ValidationFailed as failure:
            record.validation = failure.details
            raise
        record.validation = []
        return inputs

    def _control_guard(self, req: Request) -> None:
        self._admin_gate(req)
        check_control_request(req.method, dict(req.headers), req.host_url,
                              self.settings.cors_origins)

    def _authorize(self, operation: Operation, now: datetime, record: RequestRecord,
                   path_workspace: str | None) -> Principal | None:
        environ = request.environ  # headers read where werkzeug keeps them, once each
        principal = self.authenticator.authorize(
            operation, environ.get("HTTP_AUTHORIZATION"), environ.get(_WORKSPACE_KEY), now,
            path_workspace)
        record.workspace_id = principal.workspace_id if principal else None
        return principal

    def _context(self, operation: Operation, inputs: ParsedInput, principal: Principal | None,
                 now: datetime) -> RequestContext:
        return RequestContext(
            operation_id=operation.operation_id, inputs=inputs, principal=principal,
            world=self.world, engine=self.engine, journal=self.journal,
            settings=self.settings, now=now,
            request_urls=self.request_urls,
            query_items=tuple(request.args.items(multi=True)), faults=self.overrides.faults,
        )

    def _overrides(self, operation: Operation) -> Overrides:
        """The mock's own endpoints never honour overrides: health must answer at once,
        and a reset or export must not be delayed or faked."""
        if is_control(operation):
            return NO_OVERRIDES
        environ = request.environ
        sent = {name: environ[key] for name, key in OVERRIDE_HEADERS.items() if key in environ}
        return self.overrides.read(sent, lambda: _signature(request))

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
            return wire.dropped_connection()
        if fault is not None and fault.kind == "status":
            raise error_for_status(fault.status, "Injected fault")
        if overrides.code is not None and overrides.code >= 400:
            documented = self.canned.error_message(operation, overrides.code)
            raise error_for_status(overrides.code,
                                   documented or f"Forced by Prefer: code={overrides.code}")
        return None

    def _body(self, operation: Operation, record: RequestRecord) -> bytes:
        """The request body, at most ``max_body_bytes``; operations without one ignore it."""
        if "requestBody" not in operation.raw:
            return b""
        limit = self.settings.max_body_bytes
        declared = request.content_length
        if declared is None or declared <= limit:
            data = request.stream.read(limit + 1)
            if len(data) <= limit:
                record.request_body = data  # the stream is read once; the journal shows it
                return data
        raise PayloadTooLarge(f"The request body is larger than {limit} bytes")

    def _admin_gate(self, req: Request) -> None:
        expected = self.settings.admin_token
        given = req.headers.get(ADMIN_HEADER, "")
        if expected and not hmac.compare_digest(given.encode(), expected.encode()):
            raise Unauthorized(f"This control endpoint needs the {ADMIN_HEADER} header")

    def _version_gate(self, req: Request) -> None:
        match = _SDK_AGENT.match(req.environ.get("HTTP_USER_AGENT", ""))
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


CONTROL_PREFIX = "/__mock/"


def is_control(operation: Operation) -> bool:
    return operation.path.startswith(CONTROL_PREFIX)


def _signature(req: Request) -> str:
    return f"{req.method} {req.full_path}"
