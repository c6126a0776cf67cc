"""The shapes of a billing account: balance (BalanceResponse), plan limits (PlanLimits), the
plan itself (CustomerPlanResponse), a subscription (CustomerSubscriptionResponse or null)
and a checkout session (CheckoutResponse). All read a ``LedgerReading`` at one instant.

The credit period is monthly from the account's anchor (when its balance was last set, else
the dataset's epoch): ``period_start`` is the latest monthly anniversary at or before now.
The mock never renews a grant at ``period_end``: a balance moves only by runs settling and
by the control API.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from ...envelope import iso
from ..rng import stable_uuid
from ..state.ledger import LedgerReading
from ..state.plans import Plan

JSON = dict[str, Any]
SUBSCRIBED_TIERS = ("paid", "custom")  # a free workspace has no subscription (null)


def add_months(instant: datetime, months: int) -> datetime:
    """The same day and time ``months`` later, on the month's last day when it is shorter."""
    month_index = instant.month - 1 + months
    year, month = instant.year + month_index // 12, month_index % 12 + 1
    for day in range(instant.day, 27, -1):
        try:
            return instant.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    return instant.replace(year=year, month=month, day=min(instant.day, 28))


def credit_period(anchor: datetime, now: datetime) -> tuple[datetime, datetime]:
    """The monthly period from ``anchor`` that holds ``now`` (the first one if now is before)."""
    months = max(0, (now.year - anchor.year) * 12 + now.month - anchor.month)
    start = add_months(anchor, months)
    while start > now and months > 0:
        months -= 1
        start = add_months(anchor, months)
    return start, add_months(anchor, months + 1)


def period_of(ledger: LedgerReading, epoch: datetime, now: datetime
              ) -> tuple[datetime, datetime] | None:
    """The account's current credit period; None for a one-time grant (nothing renews)."""
    if ledger.plan.credits_renewal != "monthly":
        return None
    return credit_period(ledger.anchor or epoch, now)


def _percent(used: int, quota: int) -> float | None:
    return None if quota <= 0 else min(100.0, round(used * 100 / quota, 1))


def balance_out(ledger: LedgerReading, epoch: datetime, now: datetime) -> JSON:
    """BalanceResponse: the workspace's account at ``now``."""
    plan, period = ledger.plan, period_of(ledger, epoch, now)
    start = period[0] if period else None
    used = ledger.spent_since(start)
    balance = ledger.balance
    one_time = plan.credits_renewal == "one_time"
    quota = balance + used
    rate = plan.overage_rate_cents_per_credit
    return {
        "balance": balance,
        "monthly_balance": 0 if one_time else balance,
        "free_balance": balance if one_time else 0,
        "free_grant": plan.monthly_credits if one_time else 0,
        "used": used, "remaining": balance, "quota": quota, "percent": _percent(used, quota),
        "period_start": iso(period[0]) if period else None,
        "period_end": iso(period[1]) if period else None,
        "plan_grant": plan.monthly_credits, "plan_tier": plan.tier,
        "overage_rate_cents_per_credit": rate,
        "overage_cents": ledger.overage_cents if rate is not None else None,
        "credits_absorbed": ledger.absorbed_since(start),
    }


def usage_credits_out(ledger: LedgerReading, epoch: datetime, now: datetime, user_id: str
                      ) -> JSON:
    """UsageCreditsOut: the caller's own debits this period, against the account's quota
    (never below the plan's grant)."""
    period = period_of(ledger, epoch, now)
    start = period[0] if period else None
    used = sum(d.credits for d in ledger.debits if (start is None or d.settled_at >= start)
               and d.run.triggered_by.get("user_id") == user_id)
    quota = max(ledger.plan.monthly_credits, ledger.balance + ledger.spent_since(start))
    return {"used": used, "quota": quota, "percent": _percent(used, quota)}


def plan_limits_out(plan: Plan, concurrent_run_limit: int) -> JSON:
    """PlanLimits: the plan's figures, with the workspace's own concurrent-run limit."""
    return {
        "monthly_credits": plan.monthly_credits,
        "workspaces_per_owner": plan.workspaces_per_owner,
        "concurrent_runs_per_user": concurrent_run_limit,
        "storage_bytes_per_workspace": plan.storage_bytes_per_workspace,
        "retention_days": plan.retention_days,
        "byok_enabled": plan.byok_enabled,
        "auto_fix_enabled": plan.auto_fix_enabled,
        "credits_renewal": plan.credits_renewal,
        "downloads_enabled": plan.downloads_enabled,
        "overage_rate_cents_per_credit": plan.overage_rate_cents_per_credit,
    }


def price_id(plan: Plan) -> str | None:
    """The self-serve price of a plan (None: not sold at a list price)."""
    return None if plan.amount_cents is None else f"price_{plan.name}_{plan.billing_interval}ly"


def plan_out(seed: int, plan: Plan, concurrent_run_limit: int) -> JSON:
    """CustomerPlanResponse."""
    limits = plan_limits_out(plan, concurrent_run_limit)
    return {
        "id": str(stable_uuid(seed, "plan", plan.name)),
        "plan_group_id": str(stable_uuid(seed, "plan-group", plan.name)),
        "plan_price_id": price_id(plan), "name": plan.display_name, "tier": plan.tier,
        "limits": limits, "billing_interval": plan.billing_interval,
        "amount": plan.amount_cents, "currency": "usd" if plan.amount_cents else None,
        "display_order": plan.display_order, "is_popular": plan.name == "team",
        "support_channels": "email" if plan.tier != "custom" else "email, chat, phone",
        "soc2_report_shared": plan.tier == "custom",
        "plan_details": {"sections": [{"title": "Credits", "items": [
            {"label": "Monthly credits", "value": f"{plan.monthly_credits:,}",
             "included": True},
            {"label": "Concurrent runs", "value": str(concurrent_run_limit), "included": True},
            {"label": "Bring your own key", "value": "yes" if plan.byok_enabled else "no",
             "included": plan.byok_enabled},
        ]}]},
    }


def subscription_out(seed: int, workspace_id: str, plan: Plan, concurrent_run_limit: int,
                     epoch: datetime, now: datetime) -> JSON | None:
    """The workspace's subscription: active on a paid or custom plan, none (null) on free."""
    if plan.tier not in SUBSCRIBED_TIERS:
        return None
    start, end = credit_period(epoch, now)
    return {
        "id": f"sub_{hashlib.sha256(f'{seed}:{workspace_id}'.encode()).hexdigest()[:24]}",
        "plan": plan_out(seed, plan, concurrent_run_limit), "status": "active",
        "current_period_start": iso(start), "current_period_end": iso(end),
        "cancel_at_period_end": False, "canceled_at": None,
        "scheduled_plan": None, "scheduled_at": None,
    }


def checkout_out(seed: int, workspace_id: str, plan_price: str, return_url: str) -> JSON:
    """CheckoutResponse: a client secret made from the request, the same every time; no
    payment provider is called."""
    digest = hashlib.sha256(f"{seed}:{workspace_id}:{plan_price}:{return_url}".encode())
    text = digest.hexdigest()
    return {"client_secret": f"cs_mock_{text[:24]}_secret_{text[24:48]}"}

