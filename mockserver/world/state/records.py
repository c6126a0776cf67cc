"""The stored workflow and upload records (runs have theirs in ``runs.record``)."""

from __future__ import annotations

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
