"""Workflow writes: create, replace, patch, delete, duplicate, validate.

Every write checks everything first and mutates last, under the workspace lock,
so a rejected request leaves state exactly as it was.
"""

from __future__ import annotations

import copy
from typing import Any

from ..errors import Detail, ValidationFailed
from ..world.catalog.graph_rules import readiness_report, structural_problems
from ..world.dataset.generate import PLACEHOLDER_NAME, empty_definition
from ..world.rng import stable_uuid
from ..world.runs.lifecycle import Control
from ..world.state.records import WorkflowRecord
from ..world.state.store import WorkspaceState
from .base import Reply, RequestContext, operation
from .workflows import full_workflow

NAME_LIMIT = 200
COPY_SUFFIX = " (Copy)"


def _checked_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed("Invalid workflow name", [Detail("name", "must not be blank")])
    return value


def _checked_definition(ctx: RequestContext, definition: Any) -> dict[str, Any]:
    problems = structural_problems(definition, ctx.world.catalog)
    if problems:
        raise ValidationFailed("The workflow definition is invalid",
                               [Detail(p.field, p.message) for p in problems])
    assert isinstance(definition, dict)
    return copy.deepcopy(definition)


def _new_id(ctx: RequestContext, state: WorkspaceState) -> str:
    # Deterministic: the n-th workflow ever created in a workspace always gets the same id.
    return stable_uuid(ctx.settings.seed, "workflow", f"{state.info.id}:{len(state.workflows)}")


@operation("create_workflow")
def create_workflow(ctx: RequestContext) -> Reply:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    named = body.get("name") is not None
    name = _checked_name(body["name"]) if named else PLACEHOLDER_NAME
    definition = (_checked_definition(ctx, body["definition"])
                  if body.get("definition") is not None else empty_definition())
    state = ctx.workspace()
    assert ctx.principal is not None
    with state.writing():
        record = WorkflowRecord(
            id=_new_id(ctx, state), workspace_id=state.info.id, user_id=ctx.principal.user_id,
            name=name, name_source="user" if named else "placeholder",
            description=body.get("description"), definition=definition,
            created_at=ctx.now, updated_at=ctx.now,
        )
        state.workflows[record.id] = record
        return Reply(full_workflow(ctx, state, record))


@operation("update_workflow")
def update_workflow(ctx: RequestContext) -> Reply:
    body = ctx.body
    name = _checked_name(body["name"])
    definition = _checked_definition(ctx, body["definition"])
    state = ctx.workspace()
    with state.writing():
        record = state.workflow(ctx.path["workflow_id"])
        # A full replace: an omitted description is cleared (workflows.md §3.5, inferred).
        record.name, record.name_source = name, "user"
        record.description = body.get("description")
        record.definition, record.updated_at = definition, ctx.now
        return Reply(full_workflow(ctx, state, record))


@operation("patch_workflow")
def patch_workflow(ctx: RequestContext) -> Reply:
    body = ctx.body
    changes: dict[str, Any] = {}
    if "name" in body:
        changes["name"] = _checked_name(body["name"])
    if "definition" in body:
        changes["definition"] = _checked_definition(ctx, body["definition"])
    if "description" in body:
        changes["description"] = body["description"]
    state = ctx.workspace()
    with state.writing():
        record = state.workflow(ctx.path["workflow_id"])
        for key, value in changes.items():
            setattr(record, key, value)
        if "name" in changes:
            record.name_source = "user"
        record.updated_at = ctx.now
        return Reply(full_workflow(ctx, state, record))


@operation("delete_workflow")
def delete_workflow(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    with state.writing():
        record = state.workflow(ctx.path["workflow_id"])
        record.deleted_at = ctx.now
        # Deleting a workflow stops its unfinished runs, freeing their concurrency slots.
        for run in state.runs_of(record.id):
            if not run.timeline(ctx.now).terminal:
                run.controls.append(Control("cancel", ctx.now))
    return Reply({})


def copy_name(name: str) -> str:
    """``"<name> (Copy)"``, shortening the original so the result stays within 200 chars."""
    return name[: NAME_LIMIT - len(COPY_SUFFIX)].rstrip() + COPY_SUFFIX


@operation("duplicate_workflow")
def duplicate_workflow(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    assert ctx.principal is not None
    with state.writing():
        source = state.workflow(ctx.path["workflow_id"])
        record = WorkflowRecord(
            id=_new_id(ctx, state), workspace_id=state.info.id, user_id=ctx.principal.user_id,
            name=copy_name(source.name), name_source="user", description=source.description,
            definition=copy.deepcopy(source.definition), created_at=ctx.now, updated_at=ctx.now,
        )
        state.workflows[record.id] = record
        return Reply(full_workflow(ctx, state, record))


@operation("validate_workflow")
def validate_workflow(ctx: RequestContext) -> Reply:
    return Reply(readiness_report(ctx.body["definition"], ctx.world.catalog))
