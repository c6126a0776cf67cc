"""The control API refuses requests a web page on another origin could forge.

A browser sends a "simple" cross-origin request (GET, HEAD or POST with no custom header
and a form or text/plain body, or none) without asking the server first, so a page on any
site could ``POST /__mock/reset``. A state-changing control request must therefore carry
something only a preflighted request can: a JSON (or any non-form) content type, or a
custom header. A request that names a foreign ``Origin`` is refused outright.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import Forbidden, excerpt
from .cors import origin_allowed

# The content types a browser may send cross-origin without a preflight (Fetch standard).
SIMPLE_CONTENT_TYPES = frozenset({
    "", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain",
})
# Either header makes a browser preflight the request, so its presence proves intent.
INTENT_HEADERS = ("X-Mock-Admin-Token", "X-Requested-With")
# Browsers always preflight PUT, PATCH and DELETE; GET and HEAD change nothing here.
FORGEABLE_METHOD = "POST"


def check_control_request(method: str, headers: Mapping[str, str], own_origin: str,
                          allowed_origins: tuple[str, ...]) -> None:
    """Raise 403 for a cross-origin or forgeable (simple) state-changing control request."""
    origin = headers.get("Origin")
    if origin and origin.rstrip("/") != own_origin.rstrip("/") \
            and not origin_allowed(origin, allowed_origins):
        raise Forbidden(f"Origin {excerpt(origin)} may not call the control API")
    if method != FORGEABLE_METHOD or any(headers.get(name) for name in INTENT_HEADERS):
        return
    media = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if media in SIMPLE_CONTENT_TYPES:
        raise Forbidden("Control requests that change state must send Content-Type: "
                        "application/json (an empty body is fine) or an X-Requested-With "
                        "header, so that browsers cannot forge them")
