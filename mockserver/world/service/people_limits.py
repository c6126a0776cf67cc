"""How many workspaces a user may own, and members and pending invites a workspace may
hold: read from the plan table (each workspace is its own account on one plan)."""

from __future__ import annotations

from ..state.plans import DEFAULT_PLAN, PLANS, plan_limits_of
from ..state.store import World


def owned_by(world: World, user_id: str) -> list[str]:
    """The live workspaces ``user_id`` owns."""
    return [w for w in world.live_workspace_ids()
            if world.roster(w).profile.created_by == user_id]


def workspaces_allowed(world: World, user_id: str) -> int:
    """Workspaces ``user_id`` may own: what the best plan among the workspaces they own
    allows (the default plan's figure when they own none)."""
    figures = [plan_limits_of(world, w).workspaces_per_owner for w in owned_by(world, user_id)]
    return max(figures, default=PLANS[DEFAULT_PLAN].workspaces_per_owner)


def members_allowed(world: World, workspace_id: str) -> int:
    return plan_limits_of(world, workspace_id).members


def pending_invites_allowed(world: World, workspace_id: str) -> int:
    return plan_limits_of(world, workspace_id).pending_invites
