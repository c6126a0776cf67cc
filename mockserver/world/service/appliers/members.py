"""Events of a workspace's people: invites made, revoked, re-roled and accepted; members
re-roled and removed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from ...events.typed import INSTANT, EventData
from ...state.activity import INVITE_CREATED, Activity
from ...state.roster import Invite, Member
from ...state.store import World
from .base import Kind


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberInvited(EventData):
    KIND: ClassVar[str] = "member.invited"
    workspace: str
    id: str
    email: str
    role: str
    by: str
    at: datetime = field(metadata=INSTANT)


@dataclass(frozen=True, slots=True, kw_only=True)
class InviteRevoked(EventData):
    KIND: ClassVar[str] = "invite.revoked"
    workspace: str
    id: str
    by: str
    at: datetime = field(metadata=INSTANT)


@dataclass(frozen=True, slots=True, kw_only=True)
class InviteRoleChanged(EventData):
    KIND: ClassVar[str] = "invite.role_changed"
    workspace: str
    id: str
    role: str
    by: str
    at: datetime = field(metadata=INSTANT)


@dataclass(frozen=True, slots=True, kw_only=True)
class InviteAccepted(EventData):
    """``user_id`` joins with the invite's role; the invite's id becomes the member's."""

    KIND: ClassVar[str] = "invite.accepted"
    workspace: str
    id: str
    user_id: str
    by: str
    at: datetime = field(metadata=INSTANT)


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberRoleChanged(EventData):
    KIND: ClassVar[str] = "member.role_changed"
    workspace: str
    user_id: str
    role: str
    by: str
    at: datetime = field(metadata=INSTANT)


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberRemoved(EventData):
    KIND: ClassVar[str] = "member.removed"
    workspace: str
    user_id: str
    by: str
    at: datetime = field(metadata=INSTANT)


def _invited(world: World, event: MemberInvited) -> None:
    roster = world.roster(event.workspace)
    invite = Invite(event.id, event.email, event.role, event.by, event.at)
    roster.invites = {**roster.invites, invite.id: invite}  # replaced: see Roster
    roster.created_invites += 1


def _invited_feed(event: MemberInvited) -> Activity:
    return Activity(event.workspace, event.at, event.by, INVITE_CREATED, event.id, event.email)


def _revoked(world: World, event: InviteRevoked) -> None:
    world.roster(event.workspace).invites[event.id].state = "revoked"


def _invite_role_changed(world: World, event: InviteRoleChanged) -> None:
    world.roster(event.workspace).invites[event.id].role = event.role


def _accepted(world: World, event: InviteAccepted) -> None:
    roster = world.roster(event.workspace)
    invite = roster.invites[event.id]
    invite.state = "accepted"
    member = Member(invite.id, event.user_id, invite.role, event.at, event.at)
    roster.members = {**roster.members, member.user_id: member}


def _member_role_changed(world: World, event: MemberRoleChanged) -> None:
    world.roster(event.workspace).members[event.user_id].role = event.role


def _removed(world: World, event: MemberRemoved) -> None:
    roster = world.roster(event.workspace)
    roster.members = {u: m for u, m in roster.members.items() if u != event.user_id}


KINDS: tuple[Kind[Any], ...] = (
    Kind(MemberInvited, _invited, _invited_feed),
    Kind(InviteRevoked, _revoked),
    Kind(InviteRoleChanged, _invite_role_changed),
    Kind(InviteAccepted, _accepted),
    Kind(MemberRoleChanged, _member_role_changed),
    Kind(MemberRemoved, _removed),
)
