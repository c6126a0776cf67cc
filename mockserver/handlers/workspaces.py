"""Workspaces: list (the caller's), get, create, update, delete, slug availability, settings.

Session tokens only, except the settings read (keys with ``workspace:read`` too); the
authenticator resolves the path's workspace and refuses strangers with a 404.
"""

from __future__ import annotations

from typing import Any

from ..world.service import workspaces
from ..world.service.slugs import slug_verdict
from ..world.views.workspace_views import settings_out, workspace_out, workspaces_of
from .base import Handler, Reply, RequestContext
from .common import paged

_PROFILE_FIELDS = ("name", "slug", "color_idx", "routing_price_sensitivity", "routing_llm_fit")


def _user(ctx: RequestContext) -> str:
    assert ctx.principal is not None
    return ctx.principal.user_id


def _path_workspace(ctx: RequestContext) -> str:
    return str(ctx.path["workspace_id"])


def _reply(ctx: RequestContext, workspace_id: str) -> Reply:
    return Reply(workspace_out(ctx.world.roster(workspace_id)))


def list_workspaces(ctx: RequestContext) -> Reply:
    rows = [workspace_out(r) for r in workspaces_of(ctx.world, _user(ctx))]
    items, pagination = paged(ctx, rows, counted=False)
    return Reply(items, pagination=pagination)


def get_workspace(ctx: RequestContext) -> Reply:
    return _reply(ctx, _path_workspace(ctx))


def create_workspace(ctx: RequestContext) -> Reply:
    body: dict[str, Any] = ctx.body
    fields = {"name": body["name"].strip(), "slug": body.get("slug"),
              "color_idx": body.get("color_idx")}
    return _reply(ctx, workspaces.create_workspace(ctx.engine, _user(ctx), fields, ctx.now))


def update_workspace(ctx: RequestContext) -> Reply:
    body: dict[str, Any] = ctx.body if isinstance(ctx.body, dict) else {}
    # A null field is what the SDK sends for None: it stays as it is.
    changes = {k: body[k] for k in _PROFILE_FIELDS if body.get(k) is not None}
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    workspace_id = _path_workspace(ctx)
    if changes:
        workspaces.update_workspace(ctx.engine, workspace_id, _user(ctx), changes, ctx.now)
    return _reply(ctx, workspace_id)


def delete_workspace(ctx: RequestContext) -> Reply:
    workspaces.delete_workspace(ctx.engine, _path_workspace(ctx), _user(ctx), ctx.now)
    return Reply({})


def slug_available(ctx: RequestContext) -> Reply:
    assert ctx.principal is not None  # an admin of the X-Workspace-Id workspace
    verdict = slug_verdict(ctx.world, str(ctx.query["slug"]), ctx.principal.workspace_id)
    return Reply({"available": verdict is None, "reason": verdict})


def get_workspace_settings(ctx: RequestContext) -> Reply:
    return Reply(settings_out(ctx.world.roster(_path_workspace(ctx))))


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "list_workspaces": list_workspaces,
    "get_workspace": get_workspace,
    "create_workspace": create_workspace,
    "update_workspace": update_workspace,
    "delete_workspace": delete_workspace,
    "slug_available": slug_available,
    "get_workspace_settings": get_workspace_settings,
}
