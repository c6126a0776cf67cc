"""Recent runs for the console's run picker: newest first, a few per workflow.

Only runs already built are listed (started through the API, or seeded runs of workflows
already read): answering never generates a workspace or a workflow's seeded runs.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from ...envelope import iso
from ..runs.record import RunRecord
from ..state.store import WorkspaceState, World


def recent_runs(world: World, now: datetime, *, limit: int, per_workflow: int,
                workspace_id: str | None = None) -> list[dict[str, Any]]:
    found: list[tuple[RunRecord, WorkspaceState, str]] = []
    for state in world.built_workspaces():
        if workspace_id is not None and state.info.id != workspace_id:
            continue
        for run in list(dict.values(state.runs)):  # built runs only: never generate more
            workflow = state.workflows.get(run.workflow_id)
            if workflow is not None and workflow.deleted_at is None:
                found.append((run, state, workflow.name))
    found.sort(key=lambda item: (item[0].created_at, item[0].id), reverse=True)
    shown: Counter[str] = Counter()
    rows: list[dict[str, Any]] = []
    for run, state, name in found:
        if shown[run.workflow_id] >= per_workflow:
            continue
        shown[run.workflow_id] += 1
        rows.append({"run_id": run.id, "workflow_id": run.workflow_id, "workflow_name": name,
                     "workspace_id": state.info.id, "run_number": run.run_number,
                     "status": run.timeline(now).status, "created_at": iso(run.created_at)})
        if len(rows) >= limit:
            break
    return rows
