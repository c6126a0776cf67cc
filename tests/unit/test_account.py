"""The caller's account (/users/me/*) and a workspace's plan, subscription and checkout."""

from __future__ import annotations

from flask.testing import FlaskClient
from support import ACME, ADA, ELI, GLOBEX, GUS, KEY, VERA, assert_error, ok, session

from mockserver.world.state.plans import PLANS

PREFERENCES = "/api/v1/users/me/notification-preferences"


def preference_events(client: FlaskClient) -> list[dict[str, object]]:
    return [e for e in ok(client.get("/__mock/events"))["events"]
            if e["kind"] == "user.preferences_set"]
CHECKOUT = f"/api/v1/workspaces/{ACME}/billing/checkout"
ORDER = {"plan_price_id": "price_pro_monthly", "return_url": "https://app.example/done"}


def test_notification_preferences_are_kept_per_user(client: FlaskClient) -> None:
    everything_on = {"completed_generation_email": True, "failed_generation_email": True}
    assert ok(client.get(PREFERENCES, headers=KEY)) == everything_on
    before = len(preference_events(client))
    changed = ok(client.patch(PREFERENCES, headers=session(ADA),
                              json={"failed_generation_email": False}))
    assert changed == {"completed_generation_email": True, "failed_generation_email": False}
    # Ada's key reads what Ada's session wrote; Eli is untouched.
    assert ok(client.get(PREFERENCES, headers=KEY)) == changed
    assert ok(client.get(PREFERENCES, headers=session(ELI))) == everything_on
    written = preference_events(client)
    assert len(written) == before + 1
    ok(client.patch(PREFERENCES, headers=KEY, json={"failed_generation_email": False}))
    assert preference_events(client) == written  # no change, no event
    ok(client.post("/__mock/reset", json={}))
    assert ok(client.get(PREFERENCES, headers=KEY)) == everything_on


def test_a_null_or_unknown_preference_is_refused_and_changes_nothing(client: FlaskClient
                                                                     ) -> None:
    before = preference_events(client)
    for body in ({"failed_generation_email": None}, {"weekly_digest": True},
                 {"completed_generation_email": "yes"}):
        assert_error(client.patch(PREFERENCES, headers=KEY, json=body), 422,
                     "VALIDATION_ERROR")
    assert preference_events(client) == before


def test_limits_follow_the_workspace_and_its_plan(client: FlaskClient) -> None:
    acme = ok(client.get("/api/v1/users/me/limits", headers=KEY))
    globex = ok(client.get("/api/v1/users/me/limits", headers=session(GUS, GLOBEX)))
    assert (acme["monthly_credits"], acme["concurrent_runs_per_user"]) == (
        PLANS["team"].monthly_credits, 5)
    assert (globex["monthly_credits"], globex["concurrent_runs_per_user"]) == (
        PLANS["pro"].monthly_credits, 2)
    assert ok(client.get(f"/api/v1/workspaces/{GLOBEX}/plan", headers=session(GUS))) == globex


def test_a_free_workspace_has_no_subscription_and_a_one_time_grant(client: FlaskClient
                                                                   ) -> None:
    ok(client.post(f"/__mock/workspaces/{ACME}/billing", json={"plan": "free"}))
    subscription = client.get(f"/api/v1/workspaces/{ACME}/subscription", headers=session(VERA))
    assert subscription.status_code == 200 and subscription.get_json()["data"] is None
    account = ok(client.get("/api/v1/users/me/credits", headers=KEY))
    assert (account["plan_tier"], account["period_start"], account["free_grant"]) == (
        "free", None, PLANS["free"].monthly_credits)
    assert account["free_balance"] == account["balance"] and account["monthly_balance"] == 0


def test_a_paid_workspace_has_an_active_subscription(client: FlaskClient) -> None:
    found = ok(client.get(f"/api/v1/workspaces/{ACME}/subscription", headers=session(VERA)))
    assert (found["status"], found["plan"]["name"], found["plan"]["tier"]) == (
        "active", "Team", "paid")
    assert found["current_period_start"] < found["current_period_end"]


def test_workspace_billing_reads_are_for_members_with_a_session(client: FlaskClient) -> None:
    for path in ("plan", "subscription"):
        url = f"/api/v1/workspaces/{ACME}/{path}"
        assert_error(client.get(url, headers=KEY), 401, "UNAUTHORIZED")
        assert_error(client.get(url, headers=session(GUS)), 404, "NOT_FOUND")
        assert_error(client.get(f"/api/v1/workspaces/{'0' * 8}-0000-4000-8000-{'0' * 12}/"
                                f"{path}", headers=session(ADA)), 404, "NOT_FOUND")
        ok(client.get(url, headers=session(VERA)))


def test_checkout_is_deterministic_for_an_admin_of_a_free_workspace(client: FlaskClient
                                                                     ) -> None:
    assert_error(client.post(CHECKOUT, headers=session(ADA), json=ORDER), 409, "CONFLICT")
    ok(client.post(f"/__mock/workspaces/{ACME}/billing", json={"plan": "free"}))
    before = ok(client.get("/__mock/events"))["events"]
    first = ok(client.post(CHECKOUT, headers=session(ADA), json=ORDER))
    again = ok(client.post(CHECKOUT, headers=session(ADA), json=ORDER))
    other = ok(client.post(CHECKOUT, headers=session(ADA),
                           json={**ORDER, "plan_price_id": "price_team_monthly"}))
    assert first == again != other
    assert first["client_secret"].startswith("cs_mock_")
    assert ok(client.get("/__mock/events"))["events"] == before  # nothing was stored
    assert_error(client.post(CHECKOUT, headers=session(ELI), json=ORDER), 403, "FORBIDDEN")
    assert_error(client.post(CHECKOUT, headers=session(GUS), json=ORDER), 404, "NOT_FOUND")
    assert_error(client.post(CHECKOUT, headers=KEY, json=ORDER), 401, "UNAUTHORIZED")
    for body in ({**ORDER, "coupon_code": "SAVE10"}, {**ORDER, "plan_price_id": "price_gold"},
                 {"plan_price_id": "price_pro_monthly"}):
        assert_error(client.post(CHECKOUT, headers=session(ADA), json=body), 422,
                     "VALIDATION_ERROR")


def test_the_export_carries_the_balance_the_ledger_has_now(client: FlaskClient) -> None:
    ok(client.post(f"/__mock/workspaces/{ACME}/billing", json={"credit_balance": 321,
                                                                "plan": "enterprise"}))
    exported = client.get(f"/__mock/state?workspace_id={ACME}").get_data(as_text=True)
    assert "credit_balance: 321" in exported and "plan: enterprise" in exported
