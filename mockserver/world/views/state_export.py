"""Write the current state as a fixture document that ``parse_fixtures`` loads again.

Workspaces are exported with ``workflow_count``, ``template_count`` and ``dictionary_count``
at 0 and every record pinned, so loading the export reproduces exactly these records rather
than seeding new ones on top. Files are not exported: an upload a client sent carries the
``sha256`` of its bytes (and ``size_bytes``), which a load keeps.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import yaml

from ...envelope import iso
from ..dataset.dictionary import live_entries
from ..dataset.templates import own_templates, uses_count
from ..runs.record import RunRecord
from ..state.ledger import read_ledger
from ..state.records import (
    DictionaryRecord,
    TemplateRecord,
    TemplateSnapshot,
    UploadRecord,
    WorkflowRecord,
)
from ..state.store import WorkspaceState, World
from ..state.yaml_lines import LocatedDict

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
    digest = (hashlib.sha256(upload.content).hexdigest() if upload.content is not None
              else upload.sha256)
    if digest is not None:  # a seeded file's bytes are made from the seed again
        out["sha256"] = digest
    return out


def _snapshot(snapshot: TemplateSnapshot) -> dict[str, Any]:
    return {"name": snapshot.name, "description": snapshot.description,
            "category": snapshot.category, "definition": snapshot.definition}


def _template(world: World, record: TemplateRecord) -> dict[str, Any]:
    """The owner's draft as TemplateOut has it, and the snapshot the gallery shows."""
    published = record.published
    return {"workspace": record.workspace_id, "id": record.id, **_snapshot(record.draft),
            "uses_count": uses_count(world, record), "created_by": record.created_by,
            "created_at": iso(record.created_at), "updated_at": iso(record.draft.at),
            "published": None if published is None else {
                **_snapshot(published), "published_at": iso(published.at)}}


def _entry(entry: DictionaryRecord) -> dict[str, Any]:
    return {"workspace": entry.workspace_id, "id": entry.id, "word": entry.word,
            "method": entry.method, "language": entry.language,
            "description": entry.description, "pronunciation": entry.pronunciation,
            "ipa": entry.ipa, "upload_id": entry.upload_id, "created_by": entry.created_by,
            "created_at": iso(entry.created_at), "updated_at": iso(entry.updated_at)}


def _content(world: World, states: list[WorkspaceState]) -> dict[str, list[dict[str, Any]]]:
    """Each workspace's own templates and dictionary entries, oldest first."""
    templates, entries = [], []
    for state in states:
        records = own_templates(world, state.info.id)
        templates += [_template(world, t) for t in sorted(records,
                                                           key=lambda t: (t.created_at, t.id))]
        entries += [_entry(e) for e in sorted(live_entries(world, state),
                                              key=lambda e: (e.created_at, e.id))]
    return {"templates": templates, "dictionary": entries}


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
                  credit_balance=read_ledger(state, now).balance, workflow_count=0,
                  template_count=0, dictionary_count=0)
    return {k: v for k, v in fields.items() if v is not None}


@dataclass(frozen=True)
class Page:
    """A slice of the exported workflows (oldest first, per workspace): ``limit`` from
    ``offset``. The identity sections, templates and dictionary come with the first page
    only, so loading the pages in order into a fresh mock gives the whole export."""

    offset: int
    limit: int


_EMPTY_CONTENT: dict[str, list[dict[str, Any]]] = {"templates": [], "dictionary": []}


def export_state(world: World, workspace_id: str | None, now: datetime,
                 page: Page | None = None) -> tuple[str, int]:
    """The fixture document, and how many workflows the whole export holds."""
    fixtures, states = world.fixtures, _states(world, workspace_id)
    first = page is None or page.offset == 0
    # Memberships as they are now: roles changed, members invited or removed through the API.
    roles = {(s.info.id, m.user_id): m.role for s in states
             for m in world.roster(s.info.id).members.values()}
    document: dict[str, Any] = {
        # Everything is pinned below, so nothing is left to generate.
        "workspaces": [_workspace(world, s, now) for s in states] if first else [],
        "users": [{k: v for k, v in vars(u).items() if v or k != "name"}  # no name: omitted
                  for u in fixtures.users.values()
                  if any(user == u.id for _w, user in roles)] if first else [],
        "memberships": [{"workspace": w, "user": u, "role": role}
                        for (w, u), role in roles.items()] if first else [],
        "api_keys": [{"id": k.id, "name": k.name, "key": k.secret, "workspace": k.workspace_id,
                      "user": k.user_id, "scopes": list(k.scopes)}
                     for k in fixtures.api_keys.values()
                     if (k.workspace_id, k.user_id) in roles] if first else [],
        **(_content(world, states) if first else _EMPTY_CONTENT),
        "workflows": [], "uploads": [],
    }
    listed = [(state, record) for state in states
              for record in sorted(state.live_workflows(), key=lambda w: (w.created_at, w.id))]
    shown = listed if page is None else listed[page.offset:page.offset + page.limit]
    for state, record in shown:
        with state.lock:
            document["workflows"].append(_workflow(record, state.runs_of(record.id), now))
            document["uploads"] += [_upload(u) for u in state.uploads_of(record.id)]
    # libyaml's emitter: the same text as PyYAML's own, four times sooner.
    return yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True), len(listed)


class _Dumper(yaml.CSafeDumper):
    """Also writes the mappings a loaded fixture document keeps its lines in (a pinned
    workflow's definition), which the safe dumper refuses: an export after a load was a 500."""


_Dumper.add_representer(LocatedDict, yaml.representer.SafeRepresenter.represent_dict)
