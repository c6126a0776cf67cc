"""A workspace's plan, subscription and checkout (``/workspaces/{workspace_id}/...``).

Session tokens only (the spec's security). The workspace is the path's
(``x-onepin-workspace: path``): the pipeline has checked that the caller is a member with the
role the operation needs (a stranger gets 404, membership being existence-hidden) before a
handler runs. Checkout is for admins and creates nothing: no payment provider exists here,
so the client secret is made from the request and is the same every time.
"""

from __future__ import annotations

from ..errors import Conflict, Detail, ValidationFailed
from ..validation_messages import value_error
from ..world.state.plans import PLANS, WorkspaceLimits, plan_limits_of
from ..world.views.account_views import (
    SUBSCRIBED_TIERS,
    checkout_out,
    plan_limits_out,
    price_id,
    subscription_out,
)
from .base import Handler, Reply, RequestContext


def _limits(ctx: RequestContext) -> WorkspaceLimits:
    return plan_limits_of(ctx.world, ctx.path["workspace_id"])


def get_workspace_plan_limits(ctx: RequestContext) -> Reply:
    limits = _limits(ctx)
    return Reply(plan_limits_out(limits.plan, limits.concurrent_run_limit))


def get_workspace_subscription(ctx: RequestContext) -> Reply:
    limits = _limits(ctx)
    return Reply(subscription_out(ctx.settings.seed, ctx.path["workspace_id"], limits.plan,
                                  limits.concurrent_run_limit, ctx.settings.dataset_epoch,
                                  ctx.now))


def create_workspace_org_checkout(ctx: RequestContext) -> Reply:
    limits = _limits(ctx)
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
