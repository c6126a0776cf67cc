"""A workspace's plan, subscription and checkout (``/workspaces/{workspace_id}/...``).

Session tokens only (the spec's security); the workspace comes from the path, and a caller
who is not a member gets 404 (membership is existence-hidden). Checkout is for admins and
creates nothing: no payment provider exists here, so the client secret is made from the
request and is the same every time.
"""

from __future__ import annotations

from ..errors import Conflict, Detail, Forbidden, NotFound, ValidationFailed
from ..validation_messages import value_error
from ..world.state.fixtures import role_at_least
from ..world.state.plans import PLANS, WorkspaceLimits, plan_limits_of
from ..world.views.account_views import (
    SUBSCRIBED_TIERS,
    checkout_out,
    plan_limits_out,
    price_id,
    subscription_out,
)
from .base import Handler, Reply, RequestContext


def _member_limits(ctx: RequestContext, minimum: str | None = None) -> WorkspaceLimits:
    """The path workspace's limits, once the caller is a member with at least ``minimum``."""
    assert ctx.principal is not None  # these operations are authenticated
    workspace_id = ctx.path["workspace_id"]
    role = ctx.world.role_of(workspace_id, ctx.principal.user_id)
    if role is None or not ctx.world.known_workspace(workspace_id):
        raise NotFound("Workspace not found")
    if not role_at_least(role, minimum):
        raise Forbidden(f"This action needs the '{minimum}' role")
    return plan_limits_of(ctx.world, workspace_id)


def get_workspace_plan_limits(ctx: RequestContext) -> Reply:
    limits = _member_limits(ctx)
    return Reply(plan_limits_out(limits.plan, limits.concurrent_run_limit))


def get_workspace_subscription(ctx: RequestContext) -> Reply:
    limits = _member_limits(ctx)
    return Reply(subscription_out(ctx.settings.seed, ctx.path["workspace_id"], limits.plan,
                                  limits.concurrent_run_limit, ctx.settings.dataset_epoch,
                                  ctx.now))


def create_workspace_org_checkout(ctx: RequestContext) -> Reply:
    limits = _member_limits(ctx, "admin")
    body = ctx.body or {}
    if body.get("coupon_code") is not None:
        raise ValidationFailed("Coupons are not supported for an organization's checkout",
                               [Detail("coupon_code", value_error(
                                   "coupon_code is not supported for org checkout"))])
    sold = {price_id(plan): plan for plan in PLANS.values() if price_id(plan)}
    if body["plan_price_id"] not in sold:
        raise ValidationFailed("Unknown plan price", [Detail("plan_price_id", value_error(
            f"must be one of {sorted(p for p in sold if p)}"))])
    if limits.plan.tier in SUBSCRIBED_TIERS:
        raise Conflict(f"The workspace already has an active {limits.plan.display_name} "
                       "subscription")
    return Reply(checkout_out(ctx.settings.seed, ctx.path["workspace_id"],
                              body["plan_price_id"], body["return_url"]))


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "get_workspace_plan_limits": get_workspace_plan_limits,
    "get_workspace_subscription": get_workspace_subscription,
    "create_workspace_org_checkout": create_workspace_org_checkout,
}
