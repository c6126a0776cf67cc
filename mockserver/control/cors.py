"""CORS for browser prototypes.

With no configured origins, any loopback origin (``http://localhost:5173``,
``http://127.0.0.1:3000``, ``http://[::1]:8000``) is allowed; configured origins replace
that default, and ``*`` allows every origin (each is answered with its own origin echoed,
so ``--cors-allow-credentials`` can add ``Access-Control-Allow-Credentials: true``).
``Origin: null`` (a page opened from ``file://`` or a sandboxed frame) is only allowed
when asked for, because any sandboxed page on the web sends it too.

For an allowed origin a preflight echoes the request headers the browser asks for
(tracing headers such as ``traceparent`` must not need configuring) and is cached by
the browser for ``MAX_AGE_SECONDS``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, request

_LOOPBACK = re.compile(r"^https?://(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d{1,5})?$")
# Sent when the browser's preflight names no headers (it then needs none of them).
DEFAULT_ALLOWED_HEADERS = "Authorization, Content-Type, X-Workspace-Id, Prefer"
# Response headers a script may read: the version floor, retry hints, file names and
# byte ranges of downloads and audio.
EXPOSED_HEADERS = ("X-OnePin-Required-Version, Retry-After, Content-Disposition, "
                   "Content-Range, Accept-Ranges, Content-Length")
METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
MAX_AGE_SECONDS = 600


@dataclass(frozen=True)
class CorsPolicy:
    origins: tuple[str, ...] = ()  # empty: any loopback origin
    allow_null_origin: bool = False
    # Credentialed requests need the exact origin echoed (never '*') and this header.
    allow_credentials: bool = False

    def allows(self, origin: str) -> bool:
        if origin == "null":
            return self.allow_null_origin
        if not self.origins:
            return bool(_LOOPBACK.match(origin))
        return "*" in self.origins or origin in self.origins


def origin_allowed(origin: str, configured: tuple[str, ...]) -> bool:
    """The default policy for these origins (``Origin: null`` refused)."""
    return CorsPolicy(configured).allows(origin)


def _preflight_headers(response: Response, origin: str, credentials: bool) -> None:
    requested = request.headers.get("Access-Control-Request-Headers", "").strip()
    response.headers["Access-Control-Allow-Origin"] = origin
    if credentials:
        response.headers["Access-Control-Allow-Credentials"] = "true"
    response.headers["Access-Control-Allow-Methods"] = METHODS
    response.headers["Access-Control-Allow-Headers"] = requested or DEFAULT_ALLOWED_HEADERS
    response.headers["Access-Control-Max-Age"] = str(MAX_AGE_SECONDS)
    if request.headers.get("Access-Control-Request-Private-Network") == "true":
        # Chromium asks before a public or file:// page may call a loopback server.
        response.headers["Access-Control-Allow-Private-Network"] = "true"
    response.headers["Vary"] = "Origin, Access-Control-Request-Headers"


def install_cors(app: Flask, policy: CorsPolicy, refuse: Callable[[str], Response]) -> None:
    """Answer preflights before routing; add CORS headers to every allowed response."""

    @app.before_request
    def preflight() -> Response | None:
        environ = request.environ  # read where werkzeug keeps the headers
        if environ.get("REQUEST_METHOD", "").upper() != "OPTIONS":  # as werkzeug reads it
            return None
        origin = environ.get("HTTP_ORIGIN")
        if not origin or "HTTP_ACCESS_CONTROL_REQUEST_METHOD" not in environ:
            return None
        if not policy.allows(origin):
            return refuse(f"Origin {origin} is not allowed")
        response = Response(status=204)
        del response.headers["Content-Type"]  # an empty answer has no media type
        _preflight_headers(response, origin, policy.allow_credentials)
        return response

    @app.after_request
    def decorate(response: Response) -> Response:
        origin = request.environ.get("HTTP_ORIGIN")
        if origin and policy.allows(origin):
            response.headers.setdefault("Access-Control-Allow-Origin", origin)
            response.headers.setdefault("Access-Control-Expose-Headers", EXPOSED_HEADERS)
            if policy.allow_credentials:
                response.headers["Access-Control-Allow-Credentials"] = "true"
            if "Origin" not in response.headers.get("Vary", ""):
                response.headers.add("Vary", "Origin")
        return response


def is_preflight() -> bool:
    """True for a CORS preflight (the journal leaves them out: the browser sends them)."""
    return (request.method == "OPTIONS" and "Origin" in request.headers
            and "Access-Control-Request-Method" in request.headers)
