"""Pronunciation dictionary commands: create, change, delete.

The handler checks the request alone (method needs, IPA, languages); ``decide`` checks the
state: the entry exists, no other entry has the same word in the same language, the
workspace has room.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...errors import Conflict, Detail, NotFound, ValidationFailed
from ...validation_messages import value_error
from ..dataset.dictionary import entries_of, entry_id, live_entries
from ..state.records import DictionaryRecord
from ..state.store import WorkspaceState
from .appliers.dictionary import EntryChanged, EntryCreated, EntryDeleted
from .engine import StateEngine
from .new_ids import first_unused
from .uploads import confirmed_upload

MAX_ENTRIES_PER_WORKSPACE = 2000  # live entries, seeded ones included


def same_word(a: str, b: str) -> bool:
    """Words compare without regard to case or surrounding space ("GIF" is "gif")."""
    return a.strip().casefold() == b.strip().casefold()


def _clash(engine: StateEngine, state: WorkspaceState, word: str, language: str,
           ignore: str | None = None) -> None:
    for entry in live_entries(engine.world, state):
        if entry.id != ignore and entry.language == language and same_word(entry.word, word):
            raise Conflict(f"An entry for this word in {language} already exists "
                           f"(id {entry.id})")


def recorded_clip(engine: StateEngine, state: WorkspaceState, upload_id: str,
                  entry_id_: str | None = None) -> str:
    """The id of the confirmed upload of category ``dictionary`` a recorded entry takes its
    clip from: a 422 on ``upload_id`` unless this workspace has one by that id, a 409 when
    another entry already took it (the SDK: an upload is consumed by one entry)."""
    found = confirmed_upload(engine.world, state.info.id, upload_id, "dictionary")
    if found is None:
        raise ValidationFailed("Invalid dictionary entry", [Detail("upload_id", value_error(
            "no confirmed upload of category 'dictionary' has this id in this workspace"))])
    for entry in live_entries(engine.world, state):
        if entry.upload_id == found.id and entry.id != entry_id_:
            raise Conflict(f"This upload is already the clip of entry {entry.id}")
    return found.id


def _entry(engine: StateEngine, state: WorkspaceState, entry_id_: str) -> DictionaryRecord:
    entry = entries_of(engine.world, state).get(entry_id_)
    if entry is None or entry.deleted_at is not None:
        raise NotFound("Dictionary entry not found")
    return entry


def find_entry(engine: StateEngine, workspace_id: str, entry_id_: str) -> DictionaryRecord:
    return _entry(engine, engine.world.workspace(workspace_id), entry_id_)


def new_entry_id(engine: StateEngine, state: WorkspaceState) -> str:
    seed, workspace_id = engine.world.settings.seed, state.info.id
    return first_unused(lambda n: entry_id(seed, workspace_id, f"created:{n}"),
                        state.created_entries, entries_of(engine.world, state))


def create_entry(engine: StateEngine, workspace_id: str, user_id: str | None,
                 fields: dict[str, Any], now: datetime) -> DictionaryRecord:
    """``fields``: word, method, language, description, pronunciation, ipa, upload_id."""
    new_id = ""

    def decide() -> EntryCreated:
        nonlocal new_id
        state = engine.world.workspace(workspace_id)
        if len(live_entries(engine.world, state)) >= MAX_ENTRIES_PER_WORKSPACE:
            raise Conflict(f"This workspace already has {MAX_ENTRIES_PER_WORKSPACE} "
                           "dictionary entries; delete one first")
        _clash(engine, state, fields["word"], fields["language"])
        clip = (recorded_clip(engine, state, fields["upload_id"])
                if fields["method"] == "recorded" else None)
        new_id = new_entry_id(engine, state)
        return EntryCreated(
            workspace=workspace_id, id=new_id, user_id=user_id, word=fields["word"],
            method=fields["method"], language=fields["language"],
            description=fields.get("description"), pronunciation=fields.get("pronunciation"),
            ipa=fields.get("ipa"), upload_id=clip, at=engine.instant(now))

    return engine.execute_then(decide, lambda: find_entry(engine, workspace_id, new_id))


def change_entry(engine: StateEngine, workspace_id: str, entry_id_: str,
                 merge: Any, now: datetime) -> DictionaryRecord:
    """``merge(entry) -> changes``: the handler's checks of the request against the entry
    as it is when the command is decided (a method change needs its pronunciation)."""

    def decide() -> EntryChanged:
        state = engine.world.workspace(workspace_id)
        entry = _entry(engine, state, entry_id_)
        changes: dict[str, Any] = merge(entry)
        word, language = changes.get("word", entry.word), changes.get("language", entry.language)
        _clash(engine, state, word, language, ignore=entry_id_)
        if changes.get("upload_id"):  # a new clip (the method's needs were checked)
            changes["upload_id"] = recorded_clip(engine, state, changes["upload_id"], entry_id_)
        return EntryChanged(workspace=workspace_id, id=entry_id_, changes=changes,
                            at=engine.instant(now))

    return engine.execute_then(decide, lambda: find_entry(engine, workspace_id, entry_id_))


def delete_entry(engine: StateEngine, workspace_id: str, entry_id_: str,
                 now: datetime) -> None:
    def decide() -> EntryDeleted:
        _entry(engine, engine.world.workspace(workspace_id), entry_id_)
        return EntryDeleted(workspace=workspace_id, id=entry_id_, at=engine.instant(now))

    engine.execute(decide)
