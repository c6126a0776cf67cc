"""Workflow commands: create, replace, patch, delete, duplicate.

Input that can be judged without the state (names, graphs) is checked by the caller
first; what depends on the state (does the workflow exist?) is checked in ``decide``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..rng import stable_uuid
from ..state.records import WorkflowRecord
from ..state.store import WorkspaceState
from .appliers.workflows import WorkflowChanged, WorkflowCreated, WorkflowDeleted
from .engine import StateEngine
from .new_ids import first_unused

NAME_LIMIT = 200
COPY_SUFFIX = " (Copy)"


def new_workflow_id(engine: StateEngine, state: WorkspaceState) -> str:
    seed, workspace_id = engine.world.settings.seed, state.info.id
    return first_unused(lambda n: stable_uuid(seed, "workflow", f"{workspace_id}:created:{n}"),
                        state.created_workflows, state.workflows)


def create_workflow(engine: StateEngine, workspace_id: str, user_id: str,
                    fields: dict[str, Any] | Callable[[], dict[str, Any]],
                    now: datetime) -> WorkflowRecord:
    """``fields``: name, name_source, description, definition (already checked), or a
    function deciding them against the up-to-date view (a template clone: it may raise,
    and adds ``template``, the id the new workflow was cloned from)."""
    new_id = ""

    def decide() -> WorkflowCreated:
        nonlocal new_id
        state = engine.world.workspace(workspace_id)
        decided = fields() if callable(fields) else fields
        new_id = new_workflow_id(engine, state)
        return WorkflowCreated(
            workspace=workspace_id, id=new_id, user_id=user_id, name=decided["name"],
            name_source=decided["name_source"], description=decided.get("description"),
            definition=decided["definition"], template=decided.get("template"),
            at=engine.instant(now))

    return engine.execute_then(decide, lambda: engine.world.workspace(workspace_id)
                               .workflow(new_id))


def change_workflow(engine: StateEngine, workspace_id: str, workflow_id: str,
                    changes: dict[str, Any], now: datetime) -> WorkflowRecord:
    """Set the given fields (a full replace passes all of them)."""

    def decide() -> WorkflowChanged:
        engine.world.workspace(workspace_id).workflow(workflow_id)  # 404 if gone
        return WorkflowChanged(workspace=workspace_id, id=workflow_id, changes=changes,
                               at=engine.instant(now))

    return engine.execute_then(decide, lambda: engine.world.workspace(workspace_id)
                               .workflows[workflow_id])


def delete_workflow(engine: StateEngine, workspace_id: str, workflow_id: str,
                    now: datetime) -> None:
    def decide() -> WorkflowDeleted:
        engine.world.workspace(workspace_id).workflow(workflow_id)
        return WorkflowDeleted(workspace=workspace_id, id=workflow_id, at=engine.instant(now))

    engine.execute(decide)


def copy_name(name: str) -> str:
    """``"<name> (Copy)"``, shortening the original so the result stays within 200 chars."""
    return name[: NAME_LIMIT - len(COPY_SUFFIX)].rstrip() + COPY_SUFFIX


def duplicate_workflow(engine: StateEngine, workspace_id: str, workflow_id: str,
                       user_id: str, now: datetime) -> WorkflowRecord:
    new_id = ""

    def decide() -> WorkflowCreated:
        nonlocal new_id
        state = engine.world.workspace(workspace_id)
        source = state.workflow(workflow_id)
        new_id = new_workflow_id(engine, state)
        return WorkflowCreated(
            workspace=workspace_id, id=new_id, user_id=user_id, name=copy_name(source.name),
            name_source="user", description=source.description,
            definition=copy.deepcopy(source.definition), at=engine.instant(now))

    return engine.execute_then(decide, lambda: engine.world.workspace(workspace_id)
                               .workflow(new_id))
