"""The error hierarchy every failure goes through, and nothing else.

Handlers and the pipeline raise ``ApiError`` subclasses; ``envelope.error_body``
renders them in the Onepin error envelope (conventions.md §5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Detail:
    field: str
    message: str

    def to_wire(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message}


class ApiError(Exception):
    status = 500
    code = "SERVER_ERROR"

    def __init__(
        self,
        message: str,
        details: list[Detail] | None = None,
        *,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.extra = extra or {}
        self.headers = headers or {}


class BadRequest(ApiError):
    status = 400
    code = "BAD_REQUEST"


class Unauthorized(ApiError):
    status = 401
    code = "INVALID_API_KEY"


class Forbidden(ApiError):
    status = 403
    code = "FORBIDDEN"


class NotFound(ApiError):
    status = 404
    code = "NOT_FOUND"


class MethodNotAllowed(ApiError):
    status = 405
    code = "METHOD_NOT_ALLOWED"


class Conflict(ApiError):
    status = 409
    code = "CONFLICT"


class ValidationFailed(ApiError):
    status = 422
    code = "VALIDATION_ERROR"


class UpgradeRequired(ApiError):
    status = 426
    code = "UPGRADE_REQUIRED"


class RateLimited(ApiError):
    status = 429
    code = "RATE_LIMITED"


class ServerError(ApiError):
    status = 500
    code = "SERVER_ERROR"


class StartupError(Exception):
    """Raised by ``create_app`` when the spec, fixtures or wiring are unusable."""
