"""The caller's own account: ``/users/me/credits``, ``/users/me/limits`` and the email
notification preferences.

Credits belong to a billing account, and each workspace is its own: with ``X-Workspace-Id``
(or an API key, bound to its workspace) the answer is that workspace's account; a session
without the header gets the first workspace the caller administers (else the first they
belong to), in fixture order.
"""

from __future__ import annotations

from ..errors import NotFound
from ..world.service import billing
from ..world.state.ledger import read_ledger
from ..world.state.plans import plan_limits_of
from ..world.state.store import WorkspaceState
from ..world.views.account_views import balance_out, plan_limits_out
from .base import Handler, Reply, RequestContext


def account_workspace(ctx: RequestContext) -> WorkspaceState:
    """The workspace whose account the caller reads (see the module's docstring)."""
    principal = ctx.principal
    assert principal is not None  # these operations are authenticated
    if principal.workspace_id is not None:
        return ctx.world.workspace(principal.workspace_id)
    roles = [(workspace_id, ctx.world.role_of(workspace_id, principal.user_id))
             for workspace_id in ctx.world.live_workspace_ids()]
    mine = [(role != "admin", workspace_id) for workspace_id, role in roles if role]
    if not mine:
        raise NotFound("The caller belongs to no workspace")
    first = min(mine, key=lambda pair: pair[0])  # stable: fixture order among equals
    return ctx.world.workspace(first[1])


def get_my_credits(ctx: RequestContext) -> Reply:
    state = account_workspace(ctx)
    with state.lock:
        ledger = read_ledger(state, ctx.now)
    return Reply(balance_out(ledger, ctx.settings.dataset_epoch, ctx.now))


def get_my_plan_limits(ctx: RequestContext) -> Reply:
    state = account_workspace(ctx)
    limits = plan_limits_of(ctx.world, state.info.id)
    return Reply(plan_limits_out(limits.plan, limits.concurrent_run_limit))


def _user_id(ctx: RequestContext) -> str:
    assert ctx.principal is not None  # these operations are authenticated
    return ctx.principal.user_id


def get_current_notification_preferences(ctx: RequestContext) -> Reply:
    return Reply(billing.notification_preferences(ctx.engine, _user_id(ctx)))


def update_current_notification_preferences(ctx: RequestContext) -> Reply:
    changes = {k: bool(v) for k, v in (ctx.body or {}).items()
               if k in billing.NOTIFICATION_DEFAULTS}
    return Reply(billing.update_notification_preferences(ctx.engine, _user_id(ctx), changes))


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "get_my_credits": get_my_credits,
    "get_my_plan_limits": get_my_plan_limits,
    "get_current_notification_preferences": get_current_notification_preferences,
    "update_current_notification_preferences": update_current_notification_preferences,
}
