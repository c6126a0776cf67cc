"""Member and invite commands: invite, revoke, change an invite's role, accept, change a
member's role, remove a member.

An invite's token (the path parameter of accept) is its id: the mock sends no email, so
the id the admin was given is what the invitee accepts with. A member who joined through
an invite keeps the invite's id as their member id. Two lock-out guards hold for role
changes and removals: the owner's membership never changes, and the last admin stays one.
"""

from __future__ import annotations

from datetime import datetime

from ...errors import (
    Conflict,
    Forbidden,
    Gone,
    NotFound,
    PlanLimitReached,
    RateLimited,
)
from ..rng import stable_uuid
from ..state.roster import Invite, Member, Roster
from .appliers.members import (
    InviteAccepted,
    InviteRevoked,
    InviteRoleChanged,
    MemberInvited,
    MemberRemoved,
    MemberRoleChanged,
)
from .engine import StateEngine
from .new_ids import first_unused
from .people_limits import members_allowed, pending_invites_allowed

# Invite records kept per workspace between resets (accepted and revoked ones included).
MAX_INVITE_RECORDS = 1_000


def _roster(engine: StateEngine, workspace_id: str) -> Roster:
    roster = engine.world.live_roster(workspace_id)
    if roster is None:
        raise NotFound("Workspace not found")
    return roster


def _email_of(engine: StateEngine, user_id: str) -> str:
    user = engine.world.fixtures.users.get(user_id)
    return user.email.lower() if user is not None else ""


def _new_invite_id(engine: StateEngine, roster: Roster) -> str:
    seed, workspace_id = engine.world.settings.seed, roster.workspace_id
    return first_unused(lambda n: stable_uuid(seed, "invite", f"{workspace_id}:{n}"),
                        roster.created_invites, roster.invites)


def _check_room(engine: StateEngine, roster: Roster, now: datetime) -> None:
    world, workspace_id = engine.world, roster.workspace_id
    seats, pending = members_allowed(world, workspace_id), roster.pending_invites(now)
    if len(roster.members) + len(pending) >= seats:
        raise PlanLimitReached(f"This workspace's plan allows {seats} members, pending "
                               "invites included")
    allowed = pending_invites_allowed(world, workspace_id)
    if len(pending) >= allowed:
        raise PlanLimitReached(f"This workspace's plan allows {allowed} pending invites")
    if len(roster.invites) >= MAX_INVITE_RECORDS:
        raise RateLimited(f"This workspace holds {MAX_INVITE_RECORDS} invites; a reset of "
                          "the workspace frees them", headers={"Retry-After": "60"})


def create_invite(engine: StateEngine, workspace_id: str, user_id: str, email: str,
                  role: str, now: datetime) -> Invite:
    """``email`` already checked and lower-cased."""
    invite_id = ""

    def decide() -> MemberInvited:
        nonlocal invite_id
        roster, at = _roster(engine, workspace_id), engine.instant(now)
        if any(_email_of(engine, m.user_id) == email for m in roster.members.values()):
            raise Conflict("This address belongs to a member of the workspace")
        if any(i.email == email for i in roster.pending_invites(at)):
            raise Conflict("This address already has a pending invite")
        _check_room(engine, roster, at)
        invite_id = _new_invite_id(engine, roster)
        return MemberInvited(workspace=workspace_id, id=invite_id, email=email, role=role,
                             by=user_id, at=at)

    return engine.execute_then(decide, lambda: _roster(engine, workspace_id)
                               .invites[invite_id])


def _invite(roster: Roster, invite_id: str) -> Invite:
    invite = roster.invites.get(invite_id)
    if invite is None:
        raise NotFound("Invite not found")
    return invite


def revoke_invite(engine: StateEngine, workspace_id: str, invite_id: str, by: str,
                  now: datetime) -> None:
    """Only a pending invite; an accepted, revoked or expired one is a 404."""

    def decide() -> InviteRevoked:
        invite, at = _invite(_roster(engine, workspace_id), invite_id), engine.instant(now)
        if invite.status(at) != "pending":
            raise NotFound("No pending invite with this id")
        return InviteRevoked(workspace=workspace_id, id=invite_id, by=by, at=at)

    engine.execute(decide)


def change_invite_role(engine: StateEngine, workspace_id: str, invite_id: str, role: str,
                       by: str, now: datetime) -> Invite:
    def decide() -> InviteRoleChanged | None:
        invite, at = _invite(_roster(engine, workspace_id), invite_id), engine.instant(now)
        status = invite.status(at)
        if status != "pending":
            raise Conflict(f"Only a pending invite can change its role; this one is {status}")
        if invite.role == role:
            return None
        return InviteRoleChanged(workspace=workspace_id, id=invite_id, role=role, by=by,
                                 at=at)

    return engine.execute_then(decide, lambda: _roster(engine, workspace_id)
                               .invites[invite_id])


def _find_invite(engine: StateEngine, token: str) -> tuple[Roster, Invite]:
    for roster in engine.world.built_rosters():
        invite = roster.invites.get(token)
        if invite is not None and not roster.deleted:
            return roster, invite
    raise NotFound("Invite not found")


def accept_invite(engine: StateEngine, token: str, user_id: str, now: datetime) -> str:
    """The caller joins with the invite's role; returns the workspace id."""
    workspace_id = ""

    def decide() -> InviteAccepted | None:
        nonlocal workspace_id
        roster, invite = _find_invite(engine, token)
        workspace_id = roster.workspace_id
        if _email_of(engine, user_id) != invite.email:
            raise Forbidden("This invite was sent to another email address")
        if user_id in roster.members:
            return None  # accepted before (another device): the same answer again
        at = engine.instant(now)
        status = invite.status(at)
        if status != "pending":
            raise Gone(f"This invite is no longer valid ({status})")
        seats = members_allowed(engine.world, workspace_id)
        if len(roster.members) >= seats:
            raise PlanLimitReached(f"This workspace's plan allows {seats} members")
        return InviteAccepted(workspace=workspace_id, id=token, user_id=user_id, by=user_id,
                              at=at)

    engine.execute(decide)
    return workspace_id


def _member(roster: Roster, member_id: str) -> Member:
    member = roster.member_by_id(member_id)
    if member is None:
        raise NotFound("Member not found")
    return member


def _guard_lockout(roster: Roster, member: Member, action: str) -> None:
    if member.role == "admin" and len(roster.admins()) == 1:
        raise Conflict(f"The last admin of a workspace cannot be {action}")
    if member.user_id == roster.profile.created_by:
        raise Conflict(f"The workspace owner cannot be {action}")


def change_member_role(engine: StateEngine, workspace_id: str, member_id: str, role: str,
                       by: str, now: datetime) -> Member:
    """Idempotent: the member's current role is a no-op."""

    def decide() -> MemberRoleChanged | None:
        roster = _roster(engine, workspace_id)
        member = _member(roster, member_id)
        if member.role == role:
            return None
        _guard_lockout(roster, member, "given another role")
        return MemberRoleChanged(workspace=workspace_id, user_id=member.user_id, role=role,
                                 by=by, at=engine.instant(now))

    return engine.execute_then(decide, lambda: _member(_roster(engine, workspace_id),
                                                       member_id))


def remove_member(engine: StateEngine, workspace_id: str, member_id: str, by: str,
                  now: datetime) -> None:
    def decide() -> MemberRemoved:
        roster = _roster(engine, workspace_id)
        member = _member(roster, member_id)
        _guard_lockout(roster, member, "removed")
        return MemberRemoved(workspace=workspace_id, user_id=member.user_id, by=by,
                             at=engine.instant(now))

    engine.execute(decide)
