"""The request pipeline, in the order it runs:

version gate -> authenticate/authorize -> parse + validate -> handler -> envelope
-> (strict: validate the response against the spec) -> journal.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from collections.abc import Callable
from typing import Any

from flask import Request, Response, g, request
from packaging.version import InvalidVersion, Version

from .auth import WORKSPACE_HEADER, Authenticator
from .envelope import error_body, new_meta, truncate_ms
from .errors import ApiError, ServerError, UpgradeRequired
from .handlers.base import Handler, Reply, RequestContext
from .requests import parse_request
from .settings import Settings
from .spec import Operation
from .world.store import World

log = logging.getLogger("onepin_mock")
VERSION_HEADER = "X-OnePin-Required-Version"
_SDK_AGENT = re.compile(r"^onepin/(\S+)")


class ResponseContractError(AssertionError):
    """Strict mode: the mock produced a body its own spec does not allow."""


class Pipeline:
    def __init__(self, settings: Settings, world: World, authenticator: Authenticator,
                 on_error: Callable[[BaseException], None] | None = None) -> None:
        self.settings = settings
        self.world = world
        self.authenticator = authenticator
        self.on_error = on_error

    def view_for(self, operation: Operation, handler: Handler) -> Callable[..., Response]:
        def view(**path: str) -> Response:
            return self.run(operation, handler, path)

        view.__name__ = operation.operation_id
        return view

    def run(self, operation: Operation, handler: Handler, path: dict[str, str]) -> Response:
        now = truncate_ms(self.world.clock.now())
        meta = new_meta(now)
        g.onepin_operation = operation.operation_id
        g.onepin_request_id = meta["request_id"]
        try:
            self._version_gate(request)
            principal = self.authenticator.authorize(
                operation, request.headers.get("Authorization"),
                request.headers.get(WORKSPACE_HEADER), now)
            g.onepin_workspace = principal.workspace_id if principal else None
            inputs = parse_request(operation, path, request.args, request.headers,
                                   request.get_data(cache=True), request.content_type)
            context = RequestContext(
                operation_id=operation.operation_id, inputs=inputs, principal=principal,
                world=self.world, settings=self.settings, now=now,
                base_url=request.host_url.rstrip("/"),
                path_url=request.base_url,
                query_items=tuple(request.args.items(multi=True)),
            )
            reply = handler(context)
            response = self._success(operation, reply, meta)
        except ApiError as error:
            response = render_error(error, meta)
        except Exception as exc:  # a bug: report it, never leak a traceback to the client
            log.error("unhandled error in %s\n%s", operation.operation_id, traceback.format_exc())
            if self.on_error:
                self.on_error(exc)
            response = render_error(ServerError("Internal server error"), meta)
        if self.settings.strict_responses:
            check_response(operation, response)
        return response

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
    def _success(operation: Operation, reply: Reply, meta: dict[str, str]) -> Response:
        status = reply.status or operation.success_status
        if reply.body_bytes is not None:
            response = Response(reply.body_bytes, status=status, content_type=reply.content_type)
        else:
            body: Any = reply.data
            if not reply.raw:
                body = {"data": reply.data, "meta": meta}
                if reply.pagination is not None:
                    body["pagination"] = reply.pagination
            response = json_response(body, status)
        response.headers.update(reply.headers)
        return response


def json_response(body: Any, status: int) -> Response:
    text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    return Response(text, status=status, content_type="application/json")


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
