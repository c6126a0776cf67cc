"""The stored workflow and upload records (runs have theirs in ``runs.record``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass
class WorkflowRecord:
    id: str
    workspace_id: str
    user_id: str
    name: str
    name_source: str
    description: str | None
    definition: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None


_NOT_BUILT: dict[str, Any] = {}  # the placeholder handed to the dataclass's __init__


class SeededWorkflowRecord(WorkflowRecord):
    """A generated workflow whose definition is built the first time it is read.

    A list row never shows the graph, and building one costs most of a workflow's
    generation (about 0.7 ms and a few KB), so a large workspace lists without them.
    The definition comes from the workflow's own random stream, so it is the same
    whenever it is built; once set (built or written) it is a plain value.
    """

    def __init__(self, build_definition: Callable[[], dict[str, Any]], **fields: Any) -> None:
        self._build_definition: Callable[[], dict[str, Any]] | None = build_definition
        self._definition: dict[str, Any] | None = None
        super().__init__(definition=_NOT_BUILT, **fields)

    @property
    def definition(self) -> dict[str, Any]:
        if self._definition is None:
            assert self._build_definition is not None
            self._definition = self._build_definition()
            self._build_definition = None
        return self._definition

    @definition.setter
    def definition(self, value: dict[str, Any]) -> None:
        if value is not _NOT_BUILT:
            self._definition = value
            self._build_definition = None


Definition = dict[str, Any]


def workflow_record(*, id: str, workspace_id: str, user_id: str, name: str, name_source: str,
                    description: str | None,
                    definition: Definition | Callable[[], Definition],
                    created_at: datetime, updated_at: datetime) -> WorkflowRecord:
    """A workflow's record, seeded (``dataset/generate.py``) or created (the
    ``workflow.created`` applier) alike: the one place one is built. A definition given as
    a function is drawn when first read (``SeededWorkflowRecord``)."""
    if callable(definition):
        return SeededWorkflowRecord(definition, id=id, workspace_id=workspace_id,
                                    user_id=user_id, name=name, name_source=name_source,
                                    description=description, created_at=created_at,
                                    updated_at=updated_at)
    return WorkflowRecord(id=id, workspace_id=workspace_id, user_id=user_id, name=name,
                          name_source=name_source, description=description,
                          definition=definition, created_at=created_at, updated_at=updated_at)


@dataclass
class UploadRecord:
    id: str
    workspace_id: str
    workflow_id: str
    user_id: str
    filename: str
    category: str
    content_type: str
    format: str
    size_bytes: int
    char_count: int | None
    line_count: int | None
    detected_language: str | None
    created_at: datetime
    updated_at: datetime
    lines: tuple[str, ...] = ()  # the script behind the file (rows, for dictionaries)
    content: bytes | None = None  # the bytes a client uploaded (None: a seeded file)
    # The digest of a client's file a fixture pinned (a state export carries no bytes).
    sha256: str | None = None


@dataclass
class PendingUpload:
    """An upload created through the API and not yet confirmed (never listed)."""

    id: str
    workspace_id: str
    user_id: str
    filename: str
    category: str
    content_type: str
    format: str
    created_at: datetime
    updated_at: datetime
    content: bytes | None = None  # what the last PUT to its upload_url sent


@dataclass
class TemplateSnapshot:
    """What a template shows: its draft, or the snapshot published to the gallery."""

    name: str
    description: str | None
    category: str | None
    definition: dict[str, Any]
    at: datetime  # when this snapshot was saved (draft) or published


@dataclass
class TemplateRecord:
    """A reusable workflow snapshot: a platform starter (``workspace_id`` None) or one of a
    workspace's own. Owners edit the draft; other workspaces only ever see ``published``."""

    id: str
    workspace_id: str | None
    created_by: str | None
    draft: TemplateSnapshot
    published: TemplateSnapshot | None
    is_starter: bool
    seeded_uses: int  # clones counted before the dataset epoch; live clones add to it
    created_at: datetime
    deleted_at: datetime | None = None


@dataclass
class DictionaryRecord:
    """One pronunciation entry of a workspace: a word in one language, spelled out or
    recorded. Stored and served only: no run reads it (as the SDK says of the real API)."""

    id: str
    workspace_id: str
    word: str
    method: str  # "spelled" or "recorded"
    language: str  # lower-case BCP-47 locale
    description: str | None
    pronunciation: str | None
    ipa: str | None
    upload_id: str | None  # the dictionary upload behind a recorded entry
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = None
