"""Unversioned health endpoints and ``GET /api/v1/auth/whoami``."""

from __future__ import annotations

from .base import Handler, Reply, RequestContext

API_VERSION = "0.41.100"


def health(ctx: RequestContext) -> Reply:
    return Reply({"status": "ok", "version": API_VERSION}, raw=True)


def ready(ctx: RequestContext) -> Reply:
    return Reply({"status": "ready"}, raw=True)


def whoami(ctx: RequestContext) -> Reply:
    principal = ctx.principal
    assert principal is not None  # the operation is authenticated
    return Reply({
        "auth_kind": principal.auth_kind,
        "user_id": principal.user_id,
        "workspace_id": principal.workspace_id,
        "api_key_id": principal.api_key_id,
        "scopes": list(principal.scopes),
    })


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "health": health,
    "ready": ready,
    "whoami": whoami,
}
