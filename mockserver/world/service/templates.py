"""Template commands: create, change, delete, clone, favorite, unfavorite.

The handler checks what it can alone (names, graphs); ``decide`` checks the state (is the
template visible, owned, a starter, is the workspace full?). A clone is a workflow create:
it goes through ``workflows.create_workflow``, the one way a workflow comes to exist.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

from ...errors import Conflict, Forbidden
from ..dataset.generate import PLACEHOLDER_NAME
from ..dataset.templates import (
    Seen,
    find,
    own_templates,
    platform_templates,
    template_id,
    workspace_templates,
)
from ..rng import rng
from ..state.records import TemplateRecord, WorkflowRecord
from ..state.store import WorkspaceState
from . import workflows
from .appliers.templates import (
    TemplateChanged,
    TemplateCreated,
    TemplateDeleted,
    TemplateFavorited,
    TemplateUnfavorited,
)
from .engine import StateEngine
from .new_ids import first_unused

MAX_TEMPLATES_PER_WORKSPACE = 200  # live templates, seeded ones included
NAME_LIMIT = 200


def new_template_id(engine: StateEngine, state: WorkspaceState) -> str:
    """Never an id the workspace or the platform already uses (deleted ones included)."""
    seed, workspace_id = engine.world.settings.seed, state.info.id
    return first_unused(
        lambda n: template_id(rng(seed, "template", f"{workspace_id}:created:{n}")),
        state.created_templates, workspace_templates(engine.world, state),
        platform_templates(engine.world))


def _owned(engine: StateEngine, workspace_id: str, template_id_: str) -> TemplateRecord:
    """A template this workspace may change: 404 if invisible, 403 if a starter or another
    workspace's (the SDK: only the owner may write, and starters are read-only)."""
    seen = find(engine.world, template_id_, [workspace_id])
    if seen.record.is_starter:
        raise Forbidden("Starter templates are read-only")
    if seen.record.workspace_id != workspace_id:
        raise Forbidden("Only the workspace that owns a template may change it")
    return seen.record


def create_template(engine: StateEngine, workspace_id: str, user_id: str,
                    fields: dict[str, Any], now: datetime) -> TemplateRecord:
    """``fields``: name, description, category, definition (already checked)."""
    new_id = ""

    def decide() -> TemplateCreated:
        nonlocal new_id
        state = engine.world.workspace(workspace_id)
        if len(own_templates(engine.world, workspace_id)) >= MAX_TEMPLATES_PER_WORKSPACE:
            raise Conflict(f"This workspace already has {MAX_TEMPLATES_PER_WORKSPACE} "
                           "templates; delete one first")
        new_id = new_template_id(engine, state)
        return TemplateCreated(workspace=workspace_id, id=new_id, user_id=user_id,
                               name=fields["name"], description=fields.get("description"),
                               category=fields.get("category"), definition=fields["definition"],
                               at=engine.instant(now))

    return engine.execute_then(decide, lambda: _record(engine, workspace_id, new_id))


def _record(engine: StateEngine, workspace_id: str, template_id_: str) -> TemplateRecord:
    return workspace_templates(engine.world, engine.world.workspace(workspace_id))[template_id_]


def change_template(engine: StateEngine, workspace_id: str, template_id_: str,
                    changes: dict[str, Any], now: datetime) -> TemplateRecord:
    """Set the given draft fields; the published snapshot never changes here."""

    def decide() -> TemplateChanged | None:
        _owned(engine, workspace_id, template_id_)
        if not changes:
            return None
        return TemplateChanged(workspace=workspace_id, id=template_id_, changes=changes,
                               at=engine.instant(now))

    return engine.execute_then(decide, lambda: _record(engine, workspace_id, template_id_))


def delete_template(engine: StateEngine, workspace_id: str, template_id_: str,
                    now: datetime) -> None:
    def decide() -> TemplateDeleted:
        _owned(engine, workspace_id, template_id_)
        return TemplateDeleted(workspace=workspace_id, id=template_id_, at=engine.instant(now))

    engine.execute(decide)


def clone_name(template_name: str) -> str:
    """A workflow name from a template's: control characters dropped, at most 200
    characters, the placeholder when nothing usable is left."""
    kept = "".join(c for c in template_name if c.isprintable()).strip()[:NAME_LIMIT].strip()
    return kept or PLACEHOLDER_NAME


def clone_template(engine: StateEngine, workspace_id: str, template_id_: str, user_id: str,
                   name: str | None, now: datetime) -> WorkflowRecord:
    """A new workflow whose definition equals the snapshot this workspace sees."""

    def fields() -> dict[str, Any]:
        seen: Seen = find(engine.world, template_id_, [workspace_id])
        named = name is not None and bool(name.strip())
        return {
            "name": name if named else clone_name(seen.snapshot.name),
            "name_source": "user" if named else "generated",
            "description": seen.snapshot.description,
            "definition": copy.deepcopy(seen.snapshot.definition),
            "template": template_id_,
        }

    return workflows.create_workflow(engine, workspace_id, user_id, fields, now)


def favorite_template(engine: StateEngine, user_id: str, template_id_: str,
                      workspace_ids: list[str]) -> Seen:
    def decide() -> TemplateFavorited | None:
        find(engine.world, template_id_, workspace_ids)  # 404 unless visible
        if template_id_ in engine.world.template_favorites.get(user_id, {}):
            return None  # already a favorite: idempotent
        return TemplateFavorited(user=user_id, id=template_id_)

    return engine.execute_then(decide, lambda: find(engine.world, template_id_, workspace_ids))


def unfavorite_template(engine: StateEngine, user_id: str, template_id_: str) -> None:
    def decide() -> TemplateUnfavorited | None:
        if template_id_ not in engine.world.template_favorites.get(user_id, {}):
            return None  # nothing to remove, and nothing to tell (non-enumerating)
        return TemplateUnfavorited(user=user_id, id=template_id_)

    engine.execute(decide)
