"""SDK cases: the caller's account (users), usage, and a workspace's plan, subscription and
checkout."""

from __future__ import annotations

from typing import Any

from .cases import Call, Kit, SdkCase, expect, no_args, table
from .scene import Scene

_WORKSPACE = "/api/v1/workspaces/{workspace_id}"


def _credits_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(data.balance >= 0, f"balance {data.balance}")
    expect(data.remaining == data.balance, "remaining is not the balance")
    expect(data.plan_tier in ("free", "paid", "custom"), f"plan_tier {data.plan_tier!r}")


def _limits_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(data.concurrent_runs_per_user >= 1, f"concurrent {data.concurrent_runs_per_user}")
    expect(data.monthly_credits >= 0, f"monthly_credits {data.monthly_credits}")


def _preferences_check(result: Any, call: Call, scene: Scene) -> None:
    expect(isinstance(result.data.completed_generation_email, bool), "not a boolean")


def _update_build(scene: Scene, kit: Kit) -> Call:
    return Call((), {"failed_generation_email": False})


def _update_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.failed_generation_email is False, "the change was not applied")
    kept = scene.get("/api/v1/users/me/notification-preferences")
    expect(kept["failed_generation_email"] is False, "the change was not kept")
    scene.http.patch("/api/v1/users/me/notification-preferences",
                     json={"failed_generation_email": True})


def _summary_build(scene: Scene, kit: Kit) -> Call:
    return Call((), {"range": "90d", "activity_view": "weekly", "timezone": "Europe/Berlin"})


def _summary_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(len(data.daily or []) == 90, f"{len(data.daily or [])} daily rows for 90d")
    expect(len(data.activity.buckets or []) == 12, "not 12 weekly buckets")
    expect(data.timezone == "Europe/Berlin", f"timezone {data.timezone!r}")
    expect(data.runs.total == sum(d.runs for d in data.daily or []), "runs != sum of days")


def _by_language_build(scene: Scene, kit: Kit) -> Call:
    return Call((), {"range": "90d"})


def _by_language_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    rows = data.languages or []
    expect(rows, "no language rows over 90 days of seeded runs")
    expect(sum(r.credits for r in rows) + (data.untagged_credits or 0) == data.total_credits,
           "rows do not add up to total_credits")


def _activity_build(scene: Scene, kit: Kit) -> Call:
    return Call((), {"range": "90d", "type": "workflow_run", "limit": 3})


def _activity_check(result: Any, call: Call, scene: Scene) -> None:
    rows = result.data
    expect(0 < len(rows) <= 3, f"{len(rows)} entries for limit=3")
    expect(all(r.action == "workflow_run" for r in rows), "type filter not applied")
    stamps = [r.timestamp for r in rows]
    expect(stamps == sorted(stamps, reverse=True), "not newest first")


def _workspace(scene: Scene, kit: Kit) -> Call:
    return Call((scene.workspace_id,))


def _plan_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.concurrent_runs_per_user >= 1, "no concurrent-run limit")


def _subscription_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(data is None or data.status == "active", f"subscription {data!r}")


def _checkout_build(scene: Scene, kit: Kit) -> Call:
    return Call((scene.on_free_plan(),), {"plan_price_id": "price_pro_monthly",
                                          "return_url": "https://app.example/billing/done"})


def _checkout_check(result: Any, call: Call, scene: Scene) -> None:
    secret = result.data.client_secret
    expect(secret.startswith("cs_") and "_secret_" in secret, f"client_secret {secret!r}")


CASES = table(
    SdkCase("users.get_my_credits", "GET /api/v1/users/me/credits", no_args, _credits_check),
    SdkCase("users.get_my_plan_limits", "GET /api/v1/users/me/limits", no_args,
            _limits_check),
    SdkCase("users.get_current_notification_preferences",
            "GET /api/v1/users/me/notification-preferences", no_args, _preferences_check),
    SdkCase("users.update_current_notification_preferences",
            "PATCH /api/v1/users/me/notification-preferences", _update_build, _update_check),
    SdkCase("usage.usage_summary", "GET /api/v1/usage/summary", _summary_build,
            _summary_check),
    SdkCase("usage.usage_by_language", "GET /api/v1/usage/by-language", _by_language_build,
            _by_language_check),
    SdkCase("usage.usage_activity", "GET /api/v1/usage/activity", _activity_build,
            _activity_check),
    SdkCase("workspaces.get_workspace_plan_limits", f"GET {_WORKSPACE}/plan", _workspace,
            _plan_check, credential="session"),
    SdkCase("workspaces.get_workspace_subscription", f"GET {_WORKSPACE}/subscription",
            _workspace, _subscription_check, credential="session"),
    SdkCase("workspaces.create_workspace_org_checkout", f"POST {_WORKSPACE}/billing/checkout",
            _checkout_build, _checkout_check, credential="session"),
)
