"""Workflow writes: create, replace, patch, delete, duplicate, validate.

Each handler checks the request's own content (names, graphs), then hands the write to
the state service, which checks it against the state and records it as one event; a
rejected request leaves state exactly as it was.
"""

from __future__ import annotations

import copy
from typing import Any

from ..errors import Detail, ValidationFailed
from ..validation_messages import value_error
from ..world.catalog.graph_rules import readiness_report, structural_problems
from ..world.dataset.generate import PLACEHOLDER_NAME, empty_definition
from ..world.service import workflows
from ..world.state.records import WorkflowRecord
from .base import Handler, Reply, RequestContext
from .workflows import full_workflow


def checked_name(value: Any, what: str = "workflow") -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed(f"Invalid {what} name",
                               [Detail("name", "String should have at least 1 character")])
    return value


def checked_definition(ctx: RequestContext, definition: Any,
                       what: str = "workflow") -> dict[str, Any]:
    """A copy of a definition the save-time graph rules accept (templates use them too, so
    a refused graph gets the same 422 details wherever it is saved)."""
    problems = structural_problems(definition, ctx.world.catalog)
    if problems:
        raise ValidationFailed(f"The {what} definition is invalid",
                               [Detail(p.field, value_error(p.message)) for p in problems])
    assert isinstance(definition, dict)
    return copy.deepcopy(definition)


def user_of(ctx: RequestContext) -> str:
    assert ctx.principal is not None
    return ctx.principal.user_id


def _workspace_id(ctx: RequestContext) -> str:
    return ctx.workspace().info.id


def reply_workflow(ctx: RequestContext, record: WorkflowRecord) -> Reply:
    return Reply(full_workflow(ctx, ctx.world.workspace(record.workspace_id), record))


def create_workflow(ctx: RequestContext) -> Reply:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    named = body.get("name") is not None
    fields = {
        "name": checked_name(body["name"]) if named else PLACEHOLDER_NAME,
        "name_source": "user" if named else "placeholder",
        "description": body.get("description"),
        "definition": (checked_definition(ctx, body["definition"])
                       if body.get("definition") is not None else empty_definition()),
    }
    record = workflows.create_workflow(ctx.engine, _workspace_id(ctx), user_of(ctx), fields,
                                       ctx.now)
    return reply_workflow(ctx, record)


def update_workflow(ctx: RequestContext) -> Reply:
    body = ctx.body
    # A full replace: an omitted description is cleared (workflows.md §3.5, inferred).
    changes = {"name": checked_name(body["name"]), "name_source": "user",
               "description": body.get("description"),
               "definition": checked_definition(ctx, body["definition"])}
    record = workflows.change_workflow(ctx.engine, _workspace_id(ctx), ctx.path["workflow_id"],
                                       changes, ctx.now)
    return reply_workflow(ctx, record)


def patch_workflow(ctx: RequestContext) -> Reply:
    body = ctx.body
    changes: dict[str, Any] = {}
    # A null name or definition is what the SDK sends for None: that key stays as it is.
    if body.get("name") is not None:
        changes["name"], changes["name_source"] = checked_name(body["name"]), "user"
    if body.get("definition") is not None:
        changes["definition"] = checked_definition(ctx, body["definition"])
    if "description" in body:
        changes["description"] = body["description"]
    record = workflows.change_workflow(ctx.engine, _workspace_id(ctx), ctx.path["workflow_id"],
                                       changes, ctx.now)
    return reply_workflow(ctx, record)


def delete_workflow(ctx: RequestContext) -> Reply:
    workflows.delete_workflow(ctx.engine, _workspace_id(ctx), ctx.path["workflow_id"], ctx.now)
    # Both SDK versions' test data answer a delete with this flag (not the docs' empty object).
    return Reply({"deleted": True})


def duplicate_workflow(ctx: RequestContext) -> Reply:
    record = workflows.duplicate_workflow(ctx.engine, _workspace_id(ctx),
                                          ctx.path["workflow_id"], user_of(ctx), ctx.now)
    return reply_workflow(ctx, record)


def validate_workflow(ctx: RequestContext) -> Reply:
    return Reply(readiness_report(ctx.body["definition"], ctx.world.catalog))


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "create_workflow": create_workflow,
    "update_workflow": update_workflow,
    "patch_workflow": patch_workflow,
    "delete_workflow": delete_workflow,
    "duplicate_workflow": duplicate_workflow,
    "validate_workflow": validate_workflow,
}
