"""Events of workspaces: created (control API or API), settings changed, deleted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from ...events.typed import INSTANT, EventData
from ...state.activity import WORKSPACE_SETTINGS, Activity
from ...state.store import World
from ..workspace_records import runtime_workspace
from .base import Kind


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkspaceCreated(EventData):
    """The ``number``-th created workspace; ``options`` as ``runtime_workspace`` reads them
    (the control API's body, or what the API command decided)."""

    KIND: ClassVar[str] = "workspace.created"
    number: int
    options: dict[str, Any]

    def instant(self) -> datetime | None:
        """The instant the API command decided, kept in the options (the control API's
        body may leave it out: then none)."""
        at = self.options.get("at")
        return datetime.fromisoformat(at) if isinstance(at, str) else None


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkspaceSettingsChanged(EventData):
    """Profile fields set: name, slug, colour, routing."""

    KIND: ClassVar[str] = "workspace.settings_changed"
    workspace: str
    changes: dict[str, Any]
    by: str
    at: datetime = field(metadata=INSTANT)


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkspaceDeleted(EventData):
    KIND: ClassVar[str] = "workspace.deleted"
    workspace: str
    by: str
    at: datetime = field(metadata=INSTANT)


def _created(world: World, event: WorkspaceCreated) -> None:
    world.created_workspaces = max(world.created_workspaces, int(event.number))
    fixtures, _reply = runtime_workspace(world, int(event.number), event.options)
    world.add_fixtures(fixtures)


def _settings_changed(world: World, event: WorkspaceSettingsChanged) -> None:
    profile = world.roster(event.workspace).profile
    for name, value in event.changes.items():
        setattr(profile, name, value)
    profile.updated_at = event.at


def _settings_feed(event: WorkspaceSettingsChanged) -> Activity:
    return Activity(event.workspace, event.at, event.by, WORKSPACE_SETTINGS, event.workspace)


def _deleted(world: World, event: WorkspaceDeleted) -> None:
    # Its workflows, runs, uploads, keys and memberships go with it: every look-up of the
    # workspace (auth included) reads the roster's mark, and its records are dropped.
    world.roster(event.workspace).profile.deleted_at = event.at
    world.forget_records(event.workspace)


KINDS: tuple[Kind[Any], ...] = (
    Kind(WorkspaceCreated, _created),
    Kind(WorkspaceSettingsChanged, _settings_changed, _settings_feed),
    Kind(WorkspaceDeleted, _deleted),
)
