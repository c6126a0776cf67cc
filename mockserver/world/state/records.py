"""The stored records. Run *state* is never stored: it is derived from the plan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..runs.lifecycle import Control, Timeline, fold
from ..runs.plan import RunPlan


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
class RunRecord:
    id: str
    workflow_id: str
    workspace_id: str
    run_number: int
    created_at: datetime
    triggered_by: dict[str, str]
    snapshot: dict[str, Any]
    plan: RunPlan
    speed: float = 1.0
    controls: list[Control] = field(default_factory=list)
    stall_ms: int | None = None
    stall_pending: bool = False
    public_share_id: str | None = None
    shared_at: datetime | None = None

    def timeline(self, now: datetime) -> Timeline:
        return fold(self.plan, self.created_at, self.controls, now, speed=self.speed,
                    stall_ms=self.stall_ms, stall_pending=self.stall_pending)


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
