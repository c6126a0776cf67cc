"""Events of uploads: created (pending), its file stored (the signed PUT), confirmed,
deleted. The file's bytes travel in ``upload.stored``, as base64 text."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from ...events.typed import BASE64, INSTANT, EventData
from ...state.records import PendingUpload, UploadRecord
from ...state.store import World
from .base import Kind


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadCreated(EventData):
    KIND: ClassVar[str] = "upload.created"
    workspace: str
    id: str
    user_id: str
    filename: str
    category: str
    format: str
    content_type: str
    at: datetime = field(metadata=INSTANT)


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadStored(EventData):
    KIND: ClassVar[str] = "upload.stored"
    workspace: str
    id: str
    content: bytes = field(metadata=BASE64)
    at: datetime = field(metadata=INSTANT)


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadConfirmed(EventData):
    """The stored file bound to ``workflow``, with what was read from it (a script's
    lines and counts; empty and ``None`` for other categories)."""

    KIND: ClassVar[str] = "upload.confirmed"
    workspace: str
    id: str
    workflow: str
    size_bytes: int
    at: datetime = field(metadata=INSTANT)
    lines: list[str]
    char_count: int | None
    line_count: int | None
    detected_language: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadDeleted(EventData):
    KIND: ClassVar[str] = "upload.deleted"
    workspace: str
    id: str
    at: datetime = field(metadata=INSTANT)


def _created(world: World, event: UploadCreated) -> None:
    state = world.workspace(event.workspace)
    with state.writing():
        state.pending_uploads[event.id] = PendingUpload(
            id=event.id, workspace_id=state.info.id, user_id=event.user_id,
            filename=event.filename, category=event.category,
            content_type=event.content_type, format=event.format, created_at=event.at,
            updated_at=event.at)
        state.created_uploads += 1


def _stored(world: World, event: UploadStored) -> None:
    state = world.workspace(event.workspace)
    with state.writing():
        pending = state.pending_uploads[event.id]
        pending.content = event.content
        pending.updated_at = event.at


def _confirmed(world: World, event: UploadConfirmed) -> None:
    state = world.workspace(event.workspace)
    with state.writing():
        pending = state.pending_uploads.pop(event.id)
        state.uploads[pending.id] = UploadRecord(
            id=pending.id, workspace_id=state.info.id, workflow_id=event.workflow,
            user_id=pending.user_id, filename=pending.filename, category=pending.category,
            content_type=pending.content_type, format=pending.format,
            size_bytes=int(event.size_bytes), char_count=event.char_count,
            line_count=event.line_count, detected_language=event.detected_language,
            created_at=pending.created_at, updated_at=event.at,
            lines=tuple(event.lines), content=pending.content)
        state.storage_used += int(event.size_bytes)


def _deleted(world: World, event: UploadDeleted) -> None:
    state = world.workspace(event.workspace)
    with state.writing():
        if state.pending_uploads.pop(event.id, None) is not None:
            return
        removed = state.uploads.remove(event.id)
        if removed is not None and removed.content is not None:  # seeded files never counted
            state.storage_used -= removed.size_bytes


KINDS: tuple[Kind[Any], ...] = (
    Kind(UploadCreated, _created),
    Kind(UploadStored, _stored),
    Kind(UploadConfirmed, _confirmed),
    Kind(UploadDeleted, _deleted),
)
