"""The plan table: what each plan grants and allows, and the limits in force for a workspace.

Each workspace is its own billing account on one plan (fixture key ``plan``). A plan gives
the monthly credit grant (the opening balance when a fixture names none), the concurrent-run
limit (unless the fixture sets ``concurrent_run_limit``) and the bounds on how many
workspaces one user may own, members per workspace and pending invites per workspace.
The figures are the mock's own (plausible, not the real price list); ``check_plans`` runs at
startup so a bad edit here stops the server with a message instead of answering nonsense.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...errors import StartupError

if TYPE_CHECKING:
    from .store import World

TIERS = ("free", "paid", "custom")  # PlanTier in the SDK
RENEWALS = ("monthly", "one_time")


@dataclass(frozen=True)
class Plan:
    name: str  # the key fixtures and the control API use
    display_name: str
    tier: str  # one of TIERS
    display_order: int
    monthly_credits: int  # the grant per period (once, for one_time renewal)
    credits_renewal: str  # one of RENEWALS
    concurrent_runs: int
    workspaces_per_owner: int
    members_per_workspace: int
    pending_invites_per_workspace: int
    storage_bytes_per_workspace: int
    retention_days: int | None
    byok_enabled: bool
    auto_fix_enabled: bool
    downloads_enabled: bool
    overage_rate_cents_per_credit: float | None
    amount_cents: int | None  # price per billing interval; None: not sold at a list price
    billing_interval: str | None


_GB = 1024 ** 3

PLANS: Mapping[str, Plan] = {
    plan.name: plan for plan in (
        Plan("free", "Free", "free", 0, 1_000, "one_time", 1, 1, 1, 0, 1 * _GB, 7,
             False, False, False, None, None, None),
        Plan("pro", "Pro", "paid", 1, 25_000, "monthly", 5, 3, 5, 10, 50 * _GB, 90,
             False, True, True, 0.2, 4_900, "month"),
        Plan("team", "Team", "paid", 2, 100_000, "monthly", 10, 10, 25, 50, 500 * _GB, 365,
             True, True, True, 0.15, 19_900, "month"),
        Plan("enterprise", "Enterprise", "custom", 3, 1_000_000, "monthly", 50, 100, 500,
             500, 5_000 * _GB, None, True, True, True, 0.1, None, None),
    )
}
DEFAULT_PLAN = "pro"  # a fixture workspace without ``plan``


def plan_problems(plans: Mapping[str, Plan]) -> list[str]:
    """What is wrong with a plan table (empty when it is sound)."""
    problems = []
    if DEFAULT_PLAN not in plans:
        problems.append(f"the default plan {DEFAULT_PLAN!r} is missing")
    for key, plan in plans.items():
        where = f"plan {key!r}"
        if plan.name != key:
            problems.append(f"{where}: is filed under another name ({plan.name!r})")
        if plan.tier not in TIERS:
            problems.append(f"{where}: tier must be one of {list(TIERS)}")
        if plan.credits_renewal not in RENEWALS:
            problems.append(f"{where}: credits_renewal must be one of {list(RENEWALS)}")
        if plan.monthly_credits < 0 or plan.pending_invites_per_workspace < 0:
            problems.append(f"{where}: credits and invites cannot be negative")
        if min(plan.concurrent_runs, plan.workspaces_per_owner, plan.members_per_workspace) < 1:
            problems.append(f"{where}: run, workspace and member limits must be at least 1")
    return problems


def check_plans(plans: Mapping[str, Plan] = PLANS) -> None:
    """Stop startup when the plan table is inconsistent."""
    problems = plan_problems(plans)
    if problems:
        raise StartupError("plan table: " + "; ".join(problems))


@dataclass(frozen=True)
class WorkspaceLimits:
    """The limits in force for one workspace: its plan's, with the fixture's own run limit."""

    plan: Plan
    concurrent_run_limit: int

    @property
    def monthly_credits(self) -> int:
        return self.plan.monthly_credits

    @property
    def workspaces_per_owner(self) -> int:
        return self.plan.workspaces_per_owner

    @property
    def members(self) -> int:
        return self.plan.members_per_workspace

    @property
    def pending_invites(self) -> int:
        return self.plan.pending_invites_per_workspace


def plan_limits_of(world: World, workspace_id: str) -> WorkspaceLimits:
    """The plan and limits of a workspace as the world holds it now (NotFound if unknown)."""
    info = world.workspace(workspace_id).info
    return WorkspaceLimits(PLANS[info.plan], info.concurrent_run_limit)
