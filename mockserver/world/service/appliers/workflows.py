"""Events of workflows: created (a create, a duplicate or a template's clone), changed,
deleted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from ...events.typed import INSTANT, OPTIONAL, EventData
from ...runs.lifecycle import Control
from ...state.records import workflow_record
from ...state.store import World
from .base import Kind


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowCreated(EventData):
    """A new workflow; ``template``: the template it was cloned from, if it was."""

    KIND: ClassVar[str] = "workflow.created"
    workspace: str
    id: str
    user_id: str
    name: str
    name_source: str
    description: str | None
    definition: dict[str, Any]
    template: str | None = field(default=None, metadata=OPTIONAL)
    at: datetime = field(metadata=INSTANT)


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowChanged(EventData):
    """The given fields set (a full replace gives all of them)."""

    KIND: ClassVar[str] = "workflow.changed"
    workspace: str
    id: str
    changes: dict[str, Any]
    at: datetime = field(metadata=INSTANT)


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowDeleted(EventData):
    KIND: ClassVar[str] = "workflow.deleted"
    workspace: str
    id: str
    at: datetime = field(metadata=INSTANT)


def _created(world: World, event: WorkflowCreated) -> None:
    state = world.workspace(event.workspace)
    with state.writing():
        state.workflows[event.id] = workflow_record(
            id=event.id, workspace_id=state.info.id, user_id=event.user_id, name=event.name,
            name_source=event.name_source, description=event.description,
            definition=event.definition, created_at=event.at, updated_at=event.at)
        state.created_workflows += 1
        state.workflows_changed()
        if event.template:  # cloned from a template: one more use, counted here
            clones = state.template_clones
            clones[event.template] = clones.get(event.template, 0) + 1


def _changed(world: World, event: WorkflowChanged) -> None:
    state = world.workspace(event.workspace)
    with state.writing():
        # Seeded runs and uploads are built from the workflow as it was generated.
        state.runs.build(event.id)
        state.uploads_of(event.id)
        record = state.workflows[event.id]
        for name, value in event.changes.items():
            setattr(record, name, value)
        record.updated_at = event.at
        state.workflows_changed()


def _deleted(world: World, event: WorkflowDeleted) -> None:
    state, at = world.workspace(event.workspace), event.at
    with state.writing():
        state.uploads_of(event.id)
        record = state.workflows[event.id]
        record.deleted_at = at
        # Deleting a workflow stops its unfinished runs, freeing their concurrency slots.
        for run in state.runs_of(record.id):
            if not run.timeline(at).terminal:
                run.controls.append(Control("cancel", at))
                state.ledger.bill(run.workflow_id, run.id)
                state.runs.changed(run.workflow_id)
        state.workflows_changed()


KINDS: tuple[Kind[Any], ...] = (
    Kind(WorkflowCreated, _created),
    Kind(WorkflowChanged, _changed),
    Kind(WorkflowDeleted, _deleted),
)
