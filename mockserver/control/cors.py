"""CORS for browser prototypes.

With no configured origins, any loopback origin (``http://localhost:5173``,
``http://127.0.0.1:3000``, ``http://[::1]:8000``) is allowed; configured origins replace
that default, and ``*`` allows every origin.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask, Response, request

_LOOPBACK = re.compile(r"^https?://(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d{1,5})?$")
ALLOWED_HEADERS = "Authorization, Content-Type, X-Workspace-Id, Prefer, X-Mock-Delay, " \
                  "X-Mock-Fault, X-Mock-Admin-Token"
EXPOSED_HEADERS = "X-OnePin-Required-Version, Retry-After, Content-Disposition"
METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"


def origin_allowed(origin: str, configured: tuple[str, ...]) -> bool:
    if not configured:
        return bool(_LOOPBACK.match(origin))
    return "*" in configured or origin in configured


def install_cors(app: Flask, configured: tuple[str, ...],
                 refuse: Callable[[str], Response]) -> None:
    """Answer preflights before routing; add CORS headers to every allowed response."""

    @app.before_request
    def preflight() -> Response | None:
        origin = request.headers.get("Origin")
        if (request.method != "OPTIONS" or not origin
                or "Access-Control-Request-Method" not in request.headers):
            return None
        if not origin_allowed(origin, configured):
            return refuse(f"Origin {origin} is not allowed")
        response = Response(status=204)
        response.headers["Access-Control-Allow-Methods"] = METHODS
        response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
        return response

    @app.after_request
    def decorate(response: Response) -> Response:
        origin = request.headers.get("Origin")
        if origin and origin_allowed(origin, configured):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            response.headers.add("Vary", "Origin")
        return response
