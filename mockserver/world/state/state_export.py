"""Write the current state as a fixture document that ``parse_fixtures`` loads again.

Workspaces are exported with ``workflow_count: 0`` and every record pinned, so loading
the export reproduces exactly these records rather than seeding new ones on top.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import yaml

from ...envelope import iso
from ..runs.record import RunRecord
from .ledger import read_ledger
from .records import UploadRecord, WorkflowRecord
from .store import WorkspaceState, World

_UPLOAD_FIELDS = ("id", "user_id", "filename", "category", "content_type", "format",
                  "size_bytes", "char_count", "line_count", "detected_language")


def _workflow(record: WorkflowRecord, runs: list[RunRecord], now: datetime) -> dict[str, Any]:
    return {
        "workspace": record.workspace_id, "id": record.id, "user_id": record.user_id,
        "name": record.name, "name_source": record.name_source,
        "description": record.description, "definition": record.definition,
        "created_at": iso(record.created_at), "updated_at": iso(record.updated_at),
        "runs": [{"id": run.id, "status": run.timeline(now).status,
                  "created_at": iso(run.created_at),
                  "triggered_by": run.triggered_by["user_id"]} for run in runs],
    }


def _upload(upload: UploadRecord) -> dict[str, Any]:
    out: dict[str, Any] = {"workflow": upload.workflow_id, "workspace": upload.workspace_id}
    out.update({name: getattr(upload, name) for name in _UPLOAD_FIELDS})
    out["created_at"], out["updated_at"] = iso(upload.created_at), iso(upload.updated_at)
    return out


def _states(world: World, workspace_id: str | None) -> list[WorkspaceState]:
    ids = [workspace_id] if workspace_id else world.live_workspace_ids()
    return [world.workspace(i) for i in ids]


def _workspace(world: World, state: WorkspaceState, now: datetime) -> dict[str, Any]:
    """The workspace as it is now: its profile may have changed since it was loaded, and
    the balance is the ledger's (pinned runs reload as history, so the debits they made
    are already in it)."""
    profile = world.roster(state.info.id).profile
    fields = {k: v for k, v in vars(state.info).items() if k != "runs_per_workflow"}
    fields.update(name=profile.name, slug=profile.slug, owner=profile.created_by,
                  color_idx=profile.color_idx, created_at=iso(profile.created_at),
                  credit_balance=read_ledger(state, now).balance, workflow_count=0)
    return {k: v for k, v in fields.items() if v is not None}


def export_state(world: World, workspace_id: str | None, now: datetime) -> str:
    fixtures, states = world.fixtures, _states(world, workspace_id)
    # Memberships as they are now: roles changed, members invited or removed through the API.
    roles = {(s.info.id, m.user_id): m.role for s in states
             for m in world.roster(s.info.id).members.values()}
    document: dict[str, Any] = {
        # Everything is pinned below, so nothing is left to generate.
        "workspaces": [_workspace(world, s, now) for s in states],
        "users": [{k: v for k, v in vars(u).items() if v or k != "name"}  # no name: omitted
                  for u in fixtures.users.values()
                  if any(user == u.id for _w, user in roles)],
        "memberships": [{"workspace": w, "user": u, "role": role}
                        for (w, u), role in roles.items()],
        "api_keys": [{"id": k.id, "name": k.name, "key": k.secret, "workspace": k.workspace_id,
                      "user": k.user_id, "scopes": list(k.scopes)}
                     for k in fixtures.api_keys.values() if (k.workspace_id, k.user_id) in roles],
        "workflows": [], "uploads": [],
    }
    for state in states:
        with state.lock:
            for record in sorted(state.live_workflows(), key=lambda w: (w.created_at, w.id)):
                document["workflows"].append(_workflow(record, state.runs_of(record.id), now))
            document["uploads"] += [_upload(u) for u in state.uploads.values()
                                    if not state.workflows[u.workflow_id].deleted_at]
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
