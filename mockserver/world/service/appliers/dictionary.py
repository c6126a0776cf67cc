"""Events of a workspace's pronunciation dictionary: entries created, changed, deleted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from ...dataset.dictionary import entries_of
from ...events.typed import INSTANT, EventData
from ...state.records import DictionaryRecord
from ...state.store import World
from .base import Kind


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryCreated(EventData):
    """``upload_id``: the clip of a recorded entry (``None`` for the other methods)."""

    KIND: ClassVar[str] = "dictionary.created"
    workspace: str
    id: str
    user_id: str | None
    word: str
    method: str
    language: str
    description: str | None
    pronunciation: str | None
    ipa: str | None
    upload_id: str | None
    at: datetime = field(metadata=INSTANT)


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryChanged(EventData):
    KIND: ClassVar[str] = "dictionary.changed"
    workspace: str
    id: str
    changes: dict[str, Any]
    at: datetime = field(metadata=INSTANT)


@dataclass(frozen=True, slots=True, kw_only=True)
class EntryDeleted(EventData):
    KIND: ClassVar[str] = "dictionary.deleted"
    workspace: str
    id: str
    at: datetime = field(metadata=INSTANT)


def _created(world: World, event: EntryCreated) -> None:
    state, at = world.workspace(event.workspace), event.at
    with state.writing():
        entries_of(world, state)[event.id] = DictionaryRecord(
            id=event.id, workspace_id=state.info.id, word=event.word, method=event.method,
            language=event.language, description=event.description,
            pronunciation=event.pronunciation, ipa=event.ipa, upload_id=event.upload_id,
            created_by=event.user_id, created_at=at, updated_at=at)
        state.created_entries += 1


def _changed(world: World, event: EntryChanged) -> None:
    state = world.workspace(event.workspace)
    with state.writing():
        entry = entries_of(world, state)[event.id]
        for name, value in event.changes.items():
            setattr(entry, name, value)
        entry.updated_at = event.at


def _deleted(world: World, event: EntryDeleted) -> None:
    state = world.workspace(event.workspace)
    with state.writing():
        entries_of(world, state)[event.id].deleted_at = event.at


KINDS: tuple[Kind[Any], ...] = (
    Kind(EntryCreated, _created),
    Kind(EntryChanged, _changed),
    Kind(EntryDeleted, _deleted),
)
