"""Events of templates: a workspace's own created, changed and deleted; a user's favorites.
A clone is a ``workflow.created`` event (``appliers/workflows.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from ...dataset.templates import workspace_templates
from ...events.typed import INSTANT, EventData
from ...state.records import TemplateRecord, TemplateSnapshot
from ...state.store import World
from .base import Kind


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateCreated(EventData):
    KIND: ClassVar[str] = "template.created"
    workspace: str
    id: str
    user_id: str
    name: str
    description: str | None
    category: str | None
    definition: dict[str, Any]
    at: datetime = field(metadata=INSTANT)


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateChanged(EventData):
    """Draft fields set; the published snapshot never changes through the API."""

    KIND: ClassVar[str] = "template.changed"
    workspace: str
    id: str
    changes: dict[str, Any]
    at: datetime = field(metadata=INSTANT)


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateDeleted(EventData):
    KIND: ClassVar[str] = "template.deleted"
    workspace: str
    id: str
    at: datetime = field(metadata=INSTANT)


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateFavorited(EventData):
    KIND: ClassVar[str] = "template.favorited"
    user: str
    id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TemplateUnfavorited(EventData):
    KIND: ClassVar[str] = "template.unfavorited"
    user: str
    id: str


def _created(world: World, event: TemplateCreated) -> None:
    state, at = world.workspace(event.workspace), event.at
    with state.writing():
        templates = workspace_templates(world, state)
        draft = TemplateSnapshot(event.name, event.description, event.category,
                                 event.definition, at)
        templates[event.id] = TemplateRecord(
            id=event.id, workspace_id=state.info.id, created_by=event.user_id, draft=draft,
            published=None, is_starter=False, seeded_uses=0, created_at=at)
        state.created_templates += 1


def _changed(world: World, event: TemplateChanged) -> None:
    state = world.workspace(event.workspace)
    with state.writing():
        draft = workspace_templates(world, state)[event.id].draft
        for name, value in event.changes.items():
            setattr(draft, name, value)
        draft.at = event.at


def _deleted(world: World, event: TemplateDeleted) -> None:
    state = world.workspace(event.workspace)
    with state.writing():
        workspace_templates(world, state)[event.id].deleted_at = event.at


def _favorited(world: World, event: TemplateFavorited) -> None:
    world.template_favorites.setdefault(event.user, {})[event.id] = None


def _unfavorited(world: World, event: TemplateUnfavorited) -> None:
    world.template_favorites.get(event.user, {}).pop(event.id, None)


KINDS: tuple[Kind[Any], ...] = (
    Kind(TemplateCreated, _created),
    Kind(TemplateChanged, _changed),
    Kind(TemplateDeleted, _deleted),
    Kind(TemplateFavorited, _favorited),
    Kind(TemplateUnfavorited, _unfavorited),
)
