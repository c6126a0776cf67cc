"""A deliberately drifted Onepin API: the mock behind a WSGI middleware that breaks the
contract the ways real servers do. Each drift is listed in ``DRIFTS`` with the words the
verify report (and the proxy) must use to name it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from mockserver.testing import DEMO_KEY

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

WORKFLOW = re.compile(r"^/api/v1/workflows/[^/]+$")
RUN = re.compile(r"^/api/v1/workflows/[^/]+/runs/[^/]+$")
RUN_STATUS = re.compile(r"^/api/v1/workflows/[^/]+/runs/[^/]+/status$")
MARKDOWN = re.compile(r"^/api/v1/workflows/[^/]+/markdown$")
UPLOADS = re.compile(r"^/api/v1/workflows/[^/]+/uploads$")
WORKFLOWS = "/api/v1/workflows"

# drift -> (operation label, words the report must contain)
DRIFTS = {
    "renamed field": ("GET /api/v1/workflows/{workflow_id}",
                      "$.data: undocumented ['run_count'] while documented ['runs_count'] are "
                      "missing (a renamed field?)"),
    "missing required field": ("GET /api/v1/workflows/{workflow_id}/runs/{run_id}/status",
                               "'status' is a required property"),
    "FastAPI 422": ("GET /api/v1/workflows",
                    "a 422 without the Onepin error envelope {error: {code, message}, meta}: "
                    "the body has ['detail']"),
    "wrong pagination.total": ("GET /api/v1/workflows",
                               "pagination.total is 20 but pagination.next is set after item 20"),
    "200 without auth": ("GET /api/v1/workflows/{workflow_id}/markdown",
                         "answered 200 without credentials (expected 401)"),
    "datetime without offset": ("GET /api/v1/workflows/{workflow_id}/runs/{run_id}",
                                "is not a date-time with a UTC offset"),
    "undocumented status": ("GET /api/v1/workflows/{workflow_id}/uploads",
                            "status 206 is not documented"),
}


def _body(data: dict[str, Any]) -> Any:
    return data.get("data")


def drift_body(path: str, status: int, body: Any) -> tuple[int, Any]:
    """The drifted status and body for one answer of the mock."""
    if status == 422:
        return 422, {"detail": [{"loc": ["query", "limit"], "msg": "value is not valid",
                                 "type": "value_error"}]}
    if status != 200 or not isinstance(body, dict):
        return status, body
    data = _body(body)
    if WORKFLOW.match(path) and isinstance(data, dict) and "runs_count" in data:
        data["run_count"] = data.pop("runs_count")
    elif RUN_STATUS.match(path) and isinstance(data, dict):
        data.pop("status", None)
    elif RUN.match(path) and isinstance(data, dict) and data.get("created_at"):
        data["created_at"] = data["created_at"].rstrip("Z")[:19]
    elif path == WORKFLOWS and isinstance(data, list):
        body["pagination"]["total"] = len(data)  # the page's size, not the filtered total
    elif UPLOADS.match(path):
        status = 206
    return status, body


class DriftedApi:
    """WSGI middleware over the mock's app (``app.wsgi_app = DriftedApi(app.wsgi_app)``)."""

    def __init__(self, app: WsgiApp) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if MARKDOWN.match(path) and "HTTP_AUTHORIZATION" not in environ:
            environ["HTTP_AUTHORIZATION"] = f"Bearer {DEMO_KEY}"  # auth forgotten here
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        raw = b"".join(self.app(environ, capture))
        status = int(captured["status"].split()[0])
        headers = captured["headers"]
        if any(k.lower() == "content-type" and "json" in v for k, v in headers):
            status, body = drift_body(path, status, json.loads(raw or b"null"))
            raw = json.dumps(body).encode()
        headers = [(k, str(len(raw)) if k.lower() == "content-length" else v)
                   for k, v in headers]
        start_response(f"{status} DRIFTED", headers)
        return [raw]
