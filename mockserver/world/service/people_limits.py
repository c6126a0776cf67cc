"""How many workspaces a user may own, and members and pending invites a workspace may
hold: read from the plan table (each workspace is its own account on one plan)."""

from __future__ import annotations

from ..state.store import World

# Until the plan table lands: the default plan's figures.
_WORKSPACES_PER_OWNER = 3
_MEMBERS = 5
_PENDING_INVITES = 10


def workspaces_allowed(world: World, user_id: str) -> int:
    """Workspaces ``user_id`` may own: what the best plan among the ones they own allows
    (the default plan's figure when they own none)."""
    del world, user_id
    return _WORKSPACES_PER_OWNER


def members_allowed(world: World, workspace_id: str) -> int:
    del world, workspace_id
    return _MEMBERS


def pending_invites_allowed(world: World, workspace_id: str) -> int:
    del world, workspace_id
    return _PENDING_INVITES
