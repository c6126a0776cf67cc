"""The JSON shapes of workspaces, their settings, members and invites."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...envelope import iso
from ..state.roster import Invite, Member, Roster
from ..state.store import World

# Who comes first in a member list after the caller: admins, then the others; each group
# by join date (pending invites last, by when they were sent).
_ROLE_GROUP = {"admin": 0, "editor": 1, "viewer": 1}


def workspace_out(roster: Roster) -> dict[str, Any]:
    profile = roster.profile
    return {
        "id": roster.workspace_id, "name": profile.name, "slug": profile.slug,
        "color_idx": profile.color_idx, "created_by": profile.created_by,
        "organization_id": profile.organization_id,
        "created_at": iso(profile.created_at), "updated_at": iso(profile.updated_at),
        "routing_price_sensitivity": profile.routing_price_sensitivity,
        "routing_llm_fit": profile.routing_llm_fit,
    }


def workspaces_of(world: World, user_id: str) -> list[Roster]:
    """The live workspaces the user is a member of, oldest first."""
    rosters = [world.roster(w) for w in world.live_workspace_ids()]
    mine = [r for r in rosters if user_id in r.members]
    return sorted(mine, key=lambda r: (r.profile.created_at, r.workspace_id))


def settings_out(roster: Roster) -> dict[str, Any]:
    settings = roster.profile.settings
    return {"default_language": settings.get("default_language"),
            "theme": settings.get("theme")}


def _split_name(name: str) -> tuple[str | None, str | None]:
    first, _, last = name.strip().partition(" ")
    return first or None, last.strip() or None


def member_out(world: World, member: Member) -> dict[str, Any]:
    user = world.fixtures.users.get(member.user_id)
    first, last = _split_name(user.name) if user is not None else (None, None)
    return {
        "id": member.id, "user_id": member.user_id,
        "email": user.email.lower() if user is not None else "",
        "first_name": first, "last_name": last, "image_url": None, "role": member.role,
        "last_active_at": iso(member.last_active_at) if member.last_active_at else None,
        "status": "active",
    }


def invited_out(invite: Invite) -> dict[str, Any]:
    """A pending invite as a row of the member list."""
    return {"id": invite.id, "user_id": None, "email": invite.email, "first_name": None,
            "last_name": None, "image_url": None, "role": invite.role,
            "last_active_at": None, "status": "invited"}


def invite_out(invite: Invite, now: datetime) -> dict[str, Any]:
    return {"id": invite.id, "email": invite.email, "role": invite.role,
            "status": invite.status(now), "expires_at": iso(invite.expires_at),
            "invited_by": invite.invited_by, "created_at": iso(invite.created_at)}


def member_list(world: World, roster: Roster, caller: str, now: datetime
                ) -> list[dict[str, Any]]:
    """The caller first, then admins, then the other members (each by join date), then
    pending invites; no pagination (the whole roster)."""
    members = sorted(roster.members.values(), key=lambda m: (
        m.user_id != caller, _ROLE_GROUP.get(m.role, 1), m.joined_at, m.id))
    rows = [member_out(world, m) for m in members]
    return rows + [invited_out(i) for i in roster.pending_invites(now)]
