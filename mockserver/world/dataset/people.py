"""A workspace's roster as the fixtures describe it: profile, owner, members.

Values the fixtures do not give (colour, creation date, settings, join dates) are drawn
from the workspace's own random stream, so they are the same in every process.
"""

from __future__ import annotations

from datetime import timedelta

from ...envelope import truncate_ms
from ..rng import rng, stable_uuid
from ..state.fixtures import Workspace
from ..state.roster import Member, Roster, WorkspaceProfile
from ..state.store import World

PALETTE_SIZE = 12  # colour indexes 0-11
_LANGUAGES = ("en-US", "en-GB", "de-DE", "fr-FR", "es-ES")
_THEMES = ("light", "dark", None)  # None: never configured


def member_id(seed: int, workspace_id: str, user_id: str) -> str:
    """A fixture member's record id (members who joined through an invite keep its id)."""
    return stable_uuid(seed, "member", f"{workspace_id}:{user_id}")


def seeded_roster(world: World, workspace: Workspace) -> Roster:
    seed = world.settings.seed
    r = rng(seed, "workspace-profile", workspace.id)
    color = r.randrange(PALETTE_SIZE)
    age_days = r.uniform(120, 400)
    language, theme = r.choice(_LANGUAGES), r.choice(_THEMES)
    created = workspace.created_at or truncate_ms(
        world.settings.dataset_epoch - timedelta(days=age_days))
    roles = [(user, role) for (w, user), role in world.fixtures.roles.items()
             if w == workspace.id]
    owner = workspace.owner or next((user for user, role in roles if role == "admin"), None)
    # The owner joined first; the others over the following weeks, in the fixtures' order.
    ordered = sorted(roles, key=lambda item: item[0] != owner)
    members = {}
    for index, (user, role) in enumerate(ordered):
        joined = truncate_ms(created + timedelta(days=index * r.uniform(1, 20)))
        active = truncate_ms(world.settings.dataset_epoch - timedelta(hours=r.uniform(1, 96)))
        members[user] = Member(member_id(seed, workspace.id, user), user, role, joined,
                               max(active, joined))
    # Drawn for every workspace, created ones too: an exported workspace (which keeps its
    # creation date) loads back with the same settings.
    settings = {"default_language": language, "theme": theme}
    profile = WorkspaceProfile(
        name=workspace.name, slug=workspace.slug,
        color_idx=color if workspace.color_idx is None else workspace.color_idx,
        created_by=owner, created_at=created, updated_at=created, settings=settings)
    return Roster(workspace.id, profile, members)
