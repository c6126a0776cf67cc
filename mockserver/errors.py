"""Every error class of the mock, in one place.

``ApiError`` and its subclasses are what a client sees: each carries its status and code,
and ``envelope.error_body`` renders it in the Onepin error envelope (conventions.md §5).
Below them, the errors raised inside the mock: startup failures, and the domain's own
signals, which the caller turns into an ``ApiError`` (its mapping is noted on each).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

EXCERPT_CHARS = 60


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """``repr(value)`` cut to ``limit`` characters: messages quote client input, and a
    megabyte of it must not come back in the error body."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass(frozen=True)
class Detail:
    field: str
    message: str
    # The rule broken (a JSON Schema keyword such as ``minimum``, or ``json``/``bounds``/
    # ``content_type``), for the coverage report; not part of the wire shape.
    rule: str = ""

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


class CredentialNotAccepted(Unauthorized):
    """A valid credential of a kind the operation does not take (an API key on a
    session-only endpoint): the SDK's own data reads ``UNAUTHORIZED`` here, since the key
    itself is fine."""

    code = "UNAUTHORIZED"


class PaymentRequired(ApiError):
    """Starting a run needs more credits than the workspace holds."""

    status = 402
    code = "INSUFFICIENT_CREDITS"


class PlanLimitReached(ApiError):
    """A plan gate other than credits: workspaces per owner, seats of a workspace."""

    status = 402
    code = "PLAN_LIMIT_REACHED"


class StorageQuotaExceeded(PaymentRequired):
    """A confirmed upload would take the workspace past its storage quota."""

    code = "STORAGE_QUOTA_EXCEEDED"


class ServiceUnavailable(ApiError):
    """Not ready yet (e.g. a voice not yet analysed); ``Retry-After`` says when to ask again."""

    status = 503
    code = "SERVICE_UNAVAILABLE"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.headers["Retry-After"] = str(retry_after)


class Forbidden(ApiError):
    status = 403
    code = "FORBIDDEN"


class NotFound(ApiError):
    status = 404
    code = "NOT_FOUND"


class MethodNotAllowed(ApiError):
    status = 405
    code = "METHOD_NOT_ALLOWED"


class MisdirectedRequest(ApiError):
    """The request names a host this mock does not serve (``Host`` not allowed)."""

    status = 421
    code = "MISDIRECTED_REQUEST"


class Conflict(ApiError):
    status = 409
    code = "CONFLICT"


class SlugTaken(Conflict):
    """Another workspace holds the slug (the SDK's docs name this code)."""

    code = "WORKSPACE_SLUG_TAKEN"


class Gone(ApiError):
    """An invite that was accepted, revoked or has expired."""

    status = 410
    code = "GONE"


class PayloadTooLarge(ApiError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"


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


_CODES_BY_STATUS = {400: BadRequest, 401: Unauthorized, 402: PaymentRequired, 403: Forbidden,
                    404: NotFound, 405: MethodNotAllowed, 409: Conflict, 410: Gone,
                    413: PayloadTooLarge, 422: ValidationFailed, 426: UpgradeRequired,
                    429: RateLimited}


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


class FixtureError(StartupError):
    """A fixture file (or loaded document) has problems; ``problems`` lists each one.

    At startup it stops the server; from ``POST /__mock/fixtures`` it is a 422."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid fixtures:\n  " + "\n  ".join(problems))
        self.problems = problems


class CatalogError(ValueError):
    """The catalog file is missing or malformed; the message names the file and the key.

    create_app turns it into a ``StartupError``."""


class UnknownNodeType(KeyError):
    """A wire shape was asked for a node type the catalog does not know (the server's 404)."""


class LinkError(Exception):
    """A signed link is malformed, tampered with, or expired (a 403 ``FORBIDDEN``)."""


class NoScriptText(ValueError):
    """There is no text to price: the script is empty and no script_text override was given
    (a 422 ``VALIDATION_ERROR``)."""


class ResponseContractError(AssertionError):
    """Strict mode: the mock produced a body its own spec does not allow (a bug in the mock)."""


class StateUrlError(ValueError):
    """A ``--state`` URL the mock cannot open (the message says why); stops startup."""


class EventFileError(ValueError):
    """An events file for ``--replay`` that cannot be read (the message names the file)."""
