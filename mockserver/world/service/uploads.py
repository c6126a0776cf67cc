"""Upload commands: create, store the bytes (the signed PUT), confirm, delete; and the look-up
other resources use for a workspace's confirmed upload.

The bytes travel base64-encoded in the ``upload.stored`` event, so every worker and every
backend holds them and a durable ``--state`` keeps them across a restart. They are bounded
three ways: a file is at most ``Settings.max_upload_bytes``; the files still waiting for a
confirm may together take at most the workspace's storage quota; confirmed files count
against that quota (a confirm past it is a 402 and the upload stays pending).
"""

from __future__ import annotations

from datetime import datetime

from ...errors import (
    Conflict,
    Detail,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    StorageQuotaExceeded,
    ValidationFailed,
)
from ...validation_messages import value_error
from ..dataset.upload_content import (
    FORMATS,
    content_problem,
    display_filename,
    file_format,
    script_facts,
)
from ..rng import stable_uuid
from ..state.records import PendingUpload, UploadRecord
from ..state.store import WorkspaceState, World
from .appliers.uploads import UploadConfirmed, UploadCreated, UploadDeleted, UploadStored
from .engine import StateEngine
from .new_ids import first_unused

__all__ = ["MAX_PENDING_UPLOADS", "checked_name", "confirm_upload", "confirmed_upload",
           "create_upload", "delete_upload", "store_upload_bytes"]

MAX_PENDING_UPLOADS = 100  # per workspace: a client that never confirms cannot grow the log


def confirmed_upload(world: World, workspace_id: str, upload_id: str,
                     category: str) -> UploadRecord | None:
    """The workspace's confirmed upload of ``category`` by id, or None (pending, deleted, of
    another category or another workspace). What other resources check a reference against."""
    state = world.workspace(workspace_id)
    with state.lock:
        return state.uploads.confirmed(upload_id.lower(), category)


def checked_name(filename: str, category: str) -> tuple[str, str, str]:
    """(display name, format, content type) of a new upload, or a 422 naming ``filename``."""
    name = display_filename(filename)
    fmt = file_format(name)
    if fmt is None:
        raise ValidationFailed("Invalid upload", [Detail(
            "filename", value_error("the filename must have an extension, e.g. script.txt"))])
    allowed = FORMATS[category]
    if fmt not in allowed:
        raise ValidationFailed("Invalid upload", [Detail("filename", value_error(
            f"'.{fmt[:20]}' files cannot be uploaded as {category}; use one of "
            f"{', '.join('.' + f for f in allowed)}"))])
    return name, fmt, allowed[fmt]


def _new_upload_id(engine: StateEngine, state: WorkspaceState) -> str:
    seed, workspace_id = engine.world.settings.seed, state.info.id
    return first_unused(lambda n: stable_uuid(seed, "upload", f"{workspace_id}:created:{n}"),
                        state.created_uploads, state.pending_uploads, state.uploads)


def create_upload(engine: StateEngine, workspace_id: str, user_id: str, filename: str,
                  category: str, now: datetime) -> PendingUpload:
    name, fmt, content_type = checked_name(filename, category)
    new_id = ""

    def decide() -> UploadCreated:
        nonlocal new_id
        state = engine.world.workspace(workspace_id)
        if len(state.pending_uploads) >= MAX_PENDING_UPLOADS:
            raise Conflict(f"The workspace already has {MAX_PENDING_UPLOADS} unconfirmed "
                           "uploads; confirm or delete some first")
        new_id = _new_upload_id(engine, state)
        return UploadCreated(workspace=workspace_id, id=new_id, user_id=user_id,
                             filename=name, category=category, format=fmt,
                             content_type=content_type, at=engine.instant(now))

    return engine.execute_then(decide, lambda: engine.world.workspace(workspace_id)
                               .pending_uploads[new_id])


def _pending(state: WorkspaceState, upload_id: str) -> PendingUpload:
    pending = state.pending_uploads.get(upload_id)
    if pending is None:
        if upload_id in state.uploads:
            raise Conflict("This upload is already confirmed; its file can no longer change")
        raise NotFound("Upload not found")
    return pending


def store_upload_bytes(engine: StateEngine, workspace_id: str, upload_id: str, data: bytes,
                       now: datetime) -> None:
    """The PUT to an upload's signed URL: check the file, then keep it (replacing any earlier
    one), all or nothing."""
    limit = engine.world.settings.max_upload_bytes

    def decide() -> UploadStored:
        state = engine.world.workspace(workspace_id)
        pending = _pending(state, upload_id)
        if len(data) > limit:
            raise PayloadTooLarge(f"The file is {len(data)} bytes; an upload may hold at most "
                                  f"{limit}")
        problem = content_problem(pending.format, data)
        if problem is not None:
            raise ValidationFailed(f"Cannot accept {pending.filename[:60]}: {problem}",
                                   [Detail("body", value_error(problem))])
        staged = sum(len(p.content or b"") for p in state.pending_uploads.values()
                     if p.id != upload_id)
        if staged + len(data) > state.info.storage_quota_bytes:
            raise PayloadTooLarge("Unconfirmed uploads would exceed the workspace's storage "
                                  f"quota of {state.info.storage_quota_bytes} bytes; confirm "
                                  "or delete some first")
        return UploadStored(workspace=workspace_id, id=upload_id, content=data,
                            at=engine.instant(now))

    engine.execute(decide)


def confirm_upload(engine: StateEngine, workspace_id: str, upload_id: str, context_type: str,
                   context_id: str, now: datetime) -> UploadRecord:
    """Bind a stored file to a workflow: pending -> uploaded. Confirming again is a no-op."""
    wanted = upload_id.lower()

    def decide() -> UploadConfirmed | None:
        state = engine.world.workspace(workspace_id)
        if wanted not in state.pending_uploads and wanted in state.uploads:
            return None  # already confirmed: answer its current state
        pending = _pending(state, wanted)
        workflow_id = _context(state, context_type, context_id)
        if pending.content is None:
            raise Conflict("No file has arrived at this upload's upload_url yet; PUT the bytes "
                           "there first")
        size = len(pending.content)
        quota = state.info.storage_quota_bytes
        if state.storage_used + size > quota:
            raise StorageQuotaExceeded(
                f"Confirming this {size}-byte file would exceed the workspace's storage quota "
                f"({state.storage_used} of {quota} bytes used); the upload stays pending")
        facts = (script_facts(pending.format, pending.content)
                 if pending.category == "script" else None)
        return UploadConfirmed(
            workspace=workspace_id, id=wanted, workflow=workflow_id, size_bytes=size,
            at=engine.instant(now),
            lines=list(facts.lines) if facts else [],
            char_count=facts.char_count if facts else None,
            line_count=facts.line_count if facts else None,
            detected_language=facts.detected_language if facts else None)

    def read() -> UploadRecord:
        found: UploadRecord | None = engine.world.workspace(workspace_id).uploads.get(wanted)
        assert found is not None
        return found

    return engine.execute_then(decide, read)


def _context(state: WorkspaceState, context_type: str, context_id: str) -> str:
    """The workflow an upload binds to; the other contexts are not the mock's to serve."""
    if context_type == "playground":
        raise Forbidden("The playground context is for platform staff only")
    if context_type != "workflow":
        raise NotFound(f"No {context_type[:40]} with that id")
    return state.workflow(context_id.lower()).id


def delete_upload(engine: StateEngine, workspace_id: str, user_id: str, upload_id: str,
                  now: datetime) -> None:
    """Remove one of the caller's own uploads, pending or confirmed (others' are a 404)."""
    wanted = upload_id.lower()

    def decide() -> UploadDeleted:
        state = engine.world.workspace(workspace_id)
        found = state.pending_uploads.get(wanted) or state.uploads.get(wanted)
        if found is None or found.user_id != user_id:
            raise NotFound("Upload not found")
        return UploadDeleted(workspace=workspace_id, id=wanted, at=engine.instant(now))

    engine.execute(decide)
