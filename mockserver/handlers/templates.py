"""Templates: the gallery, one template, its estimate, clone, writes, favorites, and
``GET /users/me/templates``.

A caller acting in a workspace sees that workspace's templates with their draft; everyone
sees the gallery's published snapshots (``world/dataset/templates.find``). Writes go to the
template commands; a clone goes through the workflow create command.
"""

from __future__ import annotations

from typing import Any

from ..errors import Detail, ValidationFailed
from ..validation_messages import value_error
from ..world.dataset.generate import empty_definition
from ..world.dataset.templates import Seen, find, gallery, own_templates
from ..world.service import templates
from ..world.state.records import TemplateRecord
from ..world.views.template_views import Filters, listed, template_estimate, template_out
from .base import Handler, Reply, RequestContext
from .common import paged
from .workflow_writes import checked_definition, checked_name, reply_workflow, user_of


def _acting_in(ctx: RequestContext) -> list[str]:
    """The workspaces whose own templates the caller sees: the resolved one, or with a
    session and no X-Workspace-Id (favorites) every workspace the user belongs to."""
    assert ctx.principal is not None
    if ctx.principal.workspace_id is not None:
        return [ctx.principal.workspace_id]
    fixtures = ctx.world.fixtures
    return [w for w in fixtures.workspaces if fixtures.role_of(w, ctx.principal.user_id)]


def _filters(ctx: RequestContext) -> Filters:
    favorites = bool(ctx.query.get("favorites_only", False))
    return Filters(categories=tuple(ctx.query.get("category", ())),
                   search=ctx.query.get("search"), sort=ctx.query.get("sort") or "popular",
                   favorites_of=user_of(ctx) if favorites else None)


def _page(ctx: RequestContext, seen: list[Seen]) -> Reply:
    rows = listed(ctx.world, seen, _filters(ctx))
    page, pagination = paged(ctx, rows, counted=True)
    return Reply([template_out(ctx.world, s, user_of(ctx)) for s in page],
                 pagination=pagination)


def _seen(ctx: RequestContext) -> Seen:
    return find(ctx.world, ctx.path["template_id"], _acting_in(ctx))


def _reply(ctx: RequestContext, record: TemplateRecord) -> Reply:
    return Reply(template_out(ctx.world, Seen(record, record.draft, "draft"), user_of(ctx)))


def list_templates(ctx: RequestContext) -> Reply:
    """The gallery: published snapshots only, whoever owns them."""
    published = [Seen(r, r.published, "published") for r in gallery(ctx.world) if r.published]
    return _page(ctx, published)


def list_my_templates(ctx: RequestContext) -> Reply:
    """The caller's own templates in the current workspace, as drafts."""
    workspace_id, user = ctx.workspace().info.id, user_of(ctx)
    mine = [Seen(r, r.draft, "draft") for r in own_templates(ctx.world, workspace_id)
            if r.created_by == user]
    return _page(ctx, mine)


def get_template(ctx: RequestContext) -> Reply:
    return Reply(template_out(ctx.world, _seen(ctx), user_of(ctx)))


def estimate_template(ctx: RequestContext) -> Reply:
    return Reply(template_estimate(ctx.world.catalog, _seen(ctx)))


def create_template(ctx: RequestContext) -> Reply:
    body = ctx.body
    fields = {
        "name": checked_name(body["name"], "template"),
        "description": body.get("description"),
        "category": body.get("category"),
        "definition": (checked_definition(ctx, body["definition"], "template")
                       if body.get("definition") is not None else empty_definition()),
    }
    record = templates.create_template(ctx.engine, ctx.workspace().info.id, user_of(ctx),
                                       fields, ctx.now)
    return _reply(ctx, record)


def update_template(ctx: RequestContext) -> Reply:
    body = ctx.body
    changes: dict[str, Any] = {}
    if "definition" in body:
        if body["definition"] is None:  # the SDK: an explicit null graph is refused
            raise ValidationFailed("The template definition may not be null",
                                   [Detail("definition", value_error(
                                       "definition may be omitted but not null"))])
        changes["definition"] = checked_definition(ctx, body["definition"], "template")
    if body.get("name") is not None:  # null, like omitted, keeps the name
        changes["name"] = checked_name(body["name"], "template")
    for key in ("description", "category"):
        if key in body:
            changes[key] = body[key]
    record = templates.change_template(ctx.engine, ctx.workspace().info.id,
                                       ctx.path["template_id"], changes, ctx.now)
    return _reply(ctx, record)


def delete_template(ctx: RequestContext) -> Reply:
    templates.delete_template(ctx.engine, ctx.workspace().info.id, ctx.path["template_id"],
                              ctx.now)
    return Reply({})


def clone_template(ctx: RequestContext) -> Reply:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    name = body.get("name")
    record = templates.clone_template(ctx.engine, ctx.workspace().info.id,
                                      ctx.path["template_id"], user_of(ctx),
                                      name if isinstance(name, str) else None, ctx.now)
    return reply_workflow(ctx, record)


def favorite_template(ctx: RequestContext) -> Reply:
    seen = templates.favorite_template(ctx.engine, user_of(ctx), ctx.path["template_id"],
                                       _acting_in(ctx))
    return Reply(template_out(ctx.world, seen, user_of(ctx)))


def unfavorite_template(ctx: RequestContext) -> Reply:
    templates.unfavorite_template(ctx.engine, user_of(ctx), ctx.path["template_id"])
    return Reply({})


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "list_templates": list_templates,
    "list_my_templates": list_my_templates,
    "get_template": get_template,
    "estimate_template": estimate_template,
    "create_template": create_template,
    "update_template": update_template,
    "delete_template": delete_template,
    "clone_template": clone_template,
    "favorite_template": favorite_template,
    "unfavorite_template": unfavorite_template,
}
