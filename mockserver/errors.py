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


class RangeNotSatisfiable(ApiError):
    status = 416
    code = "RANGE_NOT_SATISFIABLE"


class UpgradeRequired(ApiError):
    status = 426
    code = "UPGRADE_REQUIRED"


class RateLimited(ApiError):
    status = 429
    code = "RATE_LIMITED"


class ServerError(ApiError):
    status = 500
    code = "SERVER_ERROR"


_CODES_BY_STATUS = {400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound,
                    405: MethodNotAllowed, 409: Conflict, 422: ValidationFailed,
                    426: UpgradeRequired, 429: RateLimited}


def error_for_status(status: int, message: str) -> ApiError:
    """An error of any status, with the code the API uses for it (API_ERROR otherwise)."""
    known = _CODES_BY_STATUS.get(status)
    error = known(message) if known else ServerError(message)
    if known is None:
        error.status = status
        if status < 500:
            error.code = "API_ERROR"
    if status in (429, 503):  # clients (the SDK included) honour Retry-After on these
        error.headers["Retry-After"] = "1"
    return error


class StartupError(Exception):
    """Raised by ``create_app`` when the spec, fixtures or wiring are unusable."""
