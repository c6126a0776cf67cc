"""Workspace commands: create (the caller owns it), update (admins), delete (the owner).

Who may see a workspace is decided here as the API does: a caller who lacks the right
gets the same 404 as for a workspace that does not exist, so membership never leaks.
The request's own content (types, lengths, the slug's format) is checked by the caller.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...errors import Detail, NotFound, PlanLimitReached, SlugTaken, ValidationFailed
from ..state.roster import Roster
from .appliers.workspaces import WorkspaceCreated, WorkspaceDeleted, WorkspaceSettingsChanged
from .engine import StateEngine
from .people_limits import owned_by, workspaces_allowed
from .slugs import slug_from_name, slug_verdict
from .workspace_records import next_workspace_number, runtime_workspace


def _checked_slug(engine: StateEngine, slug: str, asking: str | None) -> str:
    verdict = slug_verdict(engine.world, slug, asking)
    if verdict == "taken":
        raise SlugTaken("This workspace slug is already taken")
    if verdict is not None:
        raise ValidationFailed("Invalid workspace slug", [Detail(
            "slug", f"Value error, the slug is {verdict}: use 1-50 lowercase letters, digits "
                    "and single hyphens, and not a reserved word")])
    return slug


def create_workspace(engine: StateEngine, user_id: str, fields: dict[str, Any],
                     now: datetime) -> str:
    """``fields``: name, and optionally slug and color_idx (already checked for shape)."""
    workspace_id = ""

    def decide() -> WorkspaceCreated:
        nonlocal workspace_id
        allowed = workspaces_allowed(engine.world, user_id)
        if len(owned_by(engine.world, user_id)) >= allowed:
            raise PlanLimitReached(f"Your plan allows {allowed} workspaces; delete one or "
                                   "upgrade to create another")
        slug = fields.get("slug")
        slug = (_checked_slug(engine, slug, None) if slug is not None
                else slug_from_name(engine.world, fields["name"]))
        number = next_workspace_number(engine.world)
        options = {"owner": user_id, "name": fields["name"], "slug": slug,
                   "color_idx": fields.get("color_idx"), "at": engine.instant(now).isoformat(),
                   "workflow_count": 0}
        workspace_id = runtime_workspace(engine.world, number, options)[1]["workspace_id"]
        return WorkspaceCreated(number=number, options=options)

    engine.execute(decide)
    return workspace_id


def _admin_roster(engine: StateEngine, workspace_id: str, user_id: str) -> Roster:
    roster = engine.world.live_roster(workspace_id)
    if roster is None or roster.role_of(user_id) != "admin":
        raise NotFound("Workspace not found")
    return roster


def update_workspace(engine: StateEngine, workspace_id: str, user_id: str,
                     changes: dict[str, Any], now: datetime) -> None:
    """Set the given profile fields; re-setting the workspace's own slug is no conflict."""

    def decide() -> WorkspaceSettingsChanged:
        _admin_roster(engine, workspace_id, user_id)
        if "slug" in changes:
            _checked_slug(engine, changes["slug"], workspace_id)
        return WorkspaceSettingsChanged(workspace=workspace_id, changes=changes, by=user_id,
                                        at=engine.instant(now))

    engine.execute(decide)


def delete_workspace(engine: StateEngine, workspace_id: str, user_id: str,
                     now: datetime) -> None:
    """The owner only; the workspace and everything in it answer 404 from now on."""

    def decide() -> WorkspaceDeleted:
        roster = engine.world.live_roster(workspace_id)
        if roster is None or roster.profile.created_by != user_id:
            raise NotFound("Workspace not found")
        return WorkspaceDeleted(workspace=workspace_id, by=user_id, at=engine.instant(now))

    engine.execute(decide)
