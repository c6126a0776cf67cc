"""Workspace members and invites: list, invite, change roles, remove, revoke, accept.

Session tokens only. Admins manage; any member lists; accept needs no workspace, only
the invitee's own session (its email must be the invite's).
"""

from __future__ import annotations

import re

from ..errors import Detail, ValidationFailed
from ..world.service import members
from ..world.views.workspace_views import invite_out, member_list, member_out
from .base import Handler, Reply, RequestContext

EMAIL_MAX = 254
# One @, something on each side, a dot in the domain, no spaces: what a mail server needs
# to try; the rest of RFC 5322 is not worth a dependency here.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


def checked_email(value: str) -> str:
    email = value.strip().lower()
    if len(email) > EMAIL_MAX or not _EMAIL.fullmatch(email):
        raise ValidationFailed("Invalid email address", [Detail(
            "email", "value is not a valid email address: it must be one address such as "
                     "name@example.com")])
    return email


def _user(ctx: RequestContext) -> str:
    assert ctx.principal is not None
    return ctx.principal.user_id


def _workspace(ctx: RequestContext) -> str:
    return str(ctx.path["workspace_id"])


def list_members(ctx: RequestContext) -> Reply:
    roster = ctx.world.roster(_workspace(ctx))
    rows = member_list(ctx.world, roster, _user(ctx), ctx.now)
    # One page holds the whole roster (the caller is on it, so it is never empty).
    return Reply(rows, pagination={"next": None, "prev": None, "limit": len(rows)})


def create_invite(ctx: RequestContext) -> Reply:
    invite = members.create_invite(ctx.engine, _workspace(ctx), _user(ctx),
                                   checked_email(ctx.body["email"]), ctx.body["role"], ctx.now)
    return Reply(invite_out(invite, ctx.now))


def update_member_role(ctx: RequestContext) -> Reply:
    member = members.change_member_role(ctx.engine, _workspace(ctx),
                                        str(ctx.path["member_id"]), ctx.body["role"],
                                        _user(ctx), ctx.now)
    return Reply(member_out(ctx.world, member))


def remove_member(ctx: RequestContext) -> Reply:
    members.remove_member(ctx.engine, _workspace(ctx), str(ctx.path["member_id"]), _user(ctx),
                          ctx.now)
    return Reply({})


def revoke_invite(ctx: RequestContext) -> Reply:
    members.revoke_invite(ctx.engine, _workspace(ctx), str(ctx.path["invite_id"]), _user(ctx),
                          ctx.now)
    return Reply({})


def update_invite_role(ctx: RequestContext) -> Reply:
    invite = members.change_invite_role(ctx.engine, _workspace(ctx),
                                        str(ctx.path["invite_id"]), ctx.body["role"],
                                        _user(ctx), ctx.now)
    return Reply(invite_out(invite, ctx.now))


def accept_invite(ctx: RequestContext) -> Reply:
    workspace_id = members.accept_invite(ctx.engine, str(ctx.path["token"]), _user(ctx),
                                         ctx.now)
    return Reply({"workspace_id": workspace_id})


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "list_members": list_members,
    "create_invite": create_invite,
    "update_member_role": update_member_role,
    "remove_member": remove_member,
    "revoke_invite": revoke_invite,
    "update_invite_role": update_invite_role,
    "accept_invite": accept_invite,
}
