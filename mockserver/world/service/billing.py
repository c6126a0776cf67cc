"""Commands about money and a user's own settings: set a workspace's plan or balance (the
control API), and change the caller's email notification preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...errors import Detail, NotFound, ValidationFailed
from ..state.plans import PLANS
from .appliers.billing import BillingSet, PreferencesSet
from .engine import StateEngine

NOTIFICATION_DEFAULTS = {"completed_generation_email": True, "failed_generation_email": True}


def set_billing(engine: StateEngine, workspace_id: str, body: dict[str, Any], now: datetime
                ) -> None:
    """Give a workspace a plan and/or an opening balance from ``now`` on (runs that settled
    before it no longer count against it)."""
    plan = body.get("plan")
    if plan is not None and plan not in PLANS:
        raise ValidationFailed("Unknown plan",
                               [Detail("body.plan", f"must be one of {list(PLANS)}", "enum")])

    def decide() -> BillingSet:
        if not engine.world.known_workspace(workspace_id):
            raise NotFound("Unknown workspace")
        return BillingSet(workspace=workspace_id, plan=plan, at=engine.instant(now),
                          balance=body.get("credit_balance"),
                          concurrent_run_limit=body.get("concurrent_run_limit"))

    engine.execute(decide)


def notification_preferences(engine: StateEngine, user_id: str) -> dict[str, bool]:
    engine.sync()
    return _preferences(engine, user_id)


def _preferences(engine: StateEngine, user_id: str) -> dict[str, bool]:
    return {**NOTIFICATION_DEFAULTS, **engine.world.notification_preferences.get(user_id, {})}


def update_notification_preferences(engine: StateEngine, user_id: str,
                                    changes: dict[str, bool]) -> dict[str, bool]:
    """Change only the preferences given; the same values again append nothing."""
    def decide() -> PreferencesSet | None:
        current = _preferences(engine, user_id)
        wanted = {k: v for k, v in changes.items() if current.get(k) != v}
        if not wanted:
            return None
        return PreferencesSet(user=user_id, changes=wanted)

    return engine.execute_then(decide, lambda: _preferences(engine, user_id))
