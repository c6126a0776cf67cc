"""Events about money and a user's own settings: a workspace's plan and balance (the
control API), notification preferences."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar

from ...events.typed import INSTANT, EventData
from ...state.plans import PLANS
from ...state.store import WorkspaceState, World
from .base import Kind


@dataclass(frozen=True, slots=True, kw_only=True)
class BillingSet(EventData):
    """A workspace's plan, concurrent-run limit and/or balance (its opening, from ``at``);
    ``None``: unchanged."""

    KIND: ClassVar[str] = "billing.set"
    workspace: str
    plan: str | None
    at: datetime = field(metadata=INSTANT)
    balance: int | None
    concurrent_run_limit: int | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PreferencesSet(EventData):
    KIND: ClassVar[str] = "user.preferences_set"
    user: str
    changes: dict[str, bool]


def _billing_set(world: World, event: BillingSet) -> None:
    state = world.workspace(event.workspace)
    with state.writing():
        changes: dict[str, Any] = {}
        if event.plan is not None:
            changes["plan"] = event.plan
            changes["concurrent_run_limit"] = PLANS[event.plan].concurrent_runs
        if event.concurrent_run_limit is not None:
            changes["concurrent_run_limit"] = int(event.concurrent_run_limit)
        if event.balance is not None:
            changes["credit_balance"] = int(event.balance)
            at = event.at
            state.ledger.open_at(at, {run_id for workflow_id, run_id in state.ledger.runs
                                      if _settled_by(state, workflow_id, run_id, at)})
        state.info = replace(state.info, **changes)


def _settled_by(state: WorkspaceState, workflow_id: str, run_id: str, at: datetime) -> bool:
    run = state.runs.find(workflow_id, run_id)
    return run is None or run.timeline(at).terminal


def _preferences_set(world: World, event: PreferencesSet) -> None:
    world.set_notification_preferences(event.user, event.changes)


KINDS: tuple[Kind[Any], ...] = (
    Kind(BillingSet, _billing_set),
    Kind(PreferencesSet, _preferences_set),
)
