"""One-line reasons for failures: SDK API errors, parsing errors, failed checks."""

from __future__ import annotations

import json
from typing import Any


def envelope_summary(body: Any) -> str:
    """``CODE: message`` from an error envelope, or a short dump of whatever came back."""
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return str(body)[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        return f"{error.get('code')}: {error.get('message')}"
    return json.dumps(body, default=str)[:200]


def describe(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None)
    if status is not None and hasattr(exc, "body"):
        return f"HTTP {status} {envelope_summary(exc.body)}"
    if type(exc).__name__ == "ParsingError":
        return f"response did not parse into the SDK model: {str(exc)[:300]}"
    text = str(exc) or type(exc).__name__
    if isinstance(exc, AssertionError):
        return text
    return f"{type(exc).__name__}: {text}"[:400]
