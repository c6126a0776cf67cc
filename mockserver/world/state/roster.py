"""Who belongs to a workspace, and what the workspace itself says about itself.

A ``Roster`` per workspace holds its profile (name, slug, owner, colour, routing, settings),
its memberships and its invites. It is built from the fixtures on first use (the seeder
draws the values fixtures do not give), changed only by the appliers, and forgotten with
its workspace on a reset, so a reset returns the startup members and roles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

INVITE_TTL = timedelta(days=14)


@dataclass
class Member:
    id: str
    user_id: str
    role: str
    joined_at: datetime
    last_active_at: datetime | None = None


@dataclass
class Invite:
    id: str
    email: str  # lower-case
    role: str
    invited_by: str
    created_at: datetime
    state: str = "pending"  # pending, accepted or revoked ("expired" is read from the clock)

    @property
    def expires_at(self) -> datetime:
        return self.created_at + INVITE_TTL

    def status(self, now: datetime) -> str:
        """``pending``, ``accepted``, ``revoked`` or, once its 14 days are over, ``expired``."""
        if self.state == "pending" and now >= self.expires_at:
            return "expired"
        return self.state


@dataclass
class WorkspaceProfile:
    name: str
    slug: str
    color_idx: int
    created_by: str | None  # the owner; None for a workspace no user owns
    created_at: datetime
    updated_at: datetime
    routing_price_sensitivity: float = 0.5
    routing_llm_fit: bool = False
    settings: dict[str, Any] = field(default_factory=dict)  # default_language, theme
    organization_id: str | None = None
    deleted_at: datetime | None = None


@dataclass
class Roster:
    """``members`` and ``invites`` are replaced by a new dict on every change, never changed
    in size in place: a request reading them in another thread never sees them move."""

    workspace_id: str
    profile: WorkspaceProfile
    members: dict[str, Member]  # by user id, in the order they joined
    invites: dict[str, Invite] = field(default_factory=dict)  # by id, oldest first
    created_invites: int = 0  # how many the API created: the next invite id's number

    @property
    def deleted(self) -> bool:
        return self.profile.deleted_at is not None

    def role_of(self, user_id: str) -> str | None:
        member = self.members.get(user_id)
        return member.role if member is not None else None

    def member_by_id(self, member_id: str) -> Member | None:
        return next((m for m in self.members.values() if m.id == member_id), None)

    def admins(self) -> list[Member]:
        return [m for m in self.members.values() if m.role == "admin"]

    def pending_invites(self, now: datetime) -> list[Invite]:
        return [i for i in self.invites.values() if i.status(now) == "pending"]
