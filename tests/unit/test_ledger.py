"""The credit ledger (mockserver/world/state/ledger.py): a run debits what it settled when it
settles; /users/me/credits, the estimate's and preview's current_balance and the start-run
402 gate read the same balance at every instant; the control API sets a balance and a plan.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import ACME, ADA, GLOBEX, KEY, SECOND_WORKSPACE_KEY, assert_error, bearer, ok, session

from mockserver.app import mock_of

WORKFLOWS = "/api/v1/workflows"
CREDITS = "/api/v1/users/me/credits"


def advance(app: Flask, seconds: float) -> None:
    mock_of(app).world.clock.advance(seconds)


def idle_workflows(client: FlaskClient, headers: dict[str, str] = KEY) -> list[str]:
    """Seeded workflows whose latest run has finished: a new run of each may start."""
    rows = ok(client.get(f"{WORKFLOWS}?limit=100", headers=headers))
    return [w["id"] for w in rows if w.get("last_run_status") in ("completed", "failed")]


def balance(client: FlaskClient, headers: dict[str, str] = KEY) -> int:
    value: int = ok(client.get(CREDITS, headers=headers))["balance"]
    return value


def preview(client: FlaskClient, workflow_id: str, headers: dict[str, str] = KEY
            ) -> dict[str, Any]:
    return ok(client.post(f"{WORKFLOWS}/{workflow_id}/runs/preview", json={}, headers=headers))  # type: ignore[no-any-return]


def start(client: FlaskClient, workflow_id: str, headers: dict[str, str] = KEY) -> Any:
    return client.post(f"{WORKFLOWS}/{workflow_id}/runs", json={}, headers=headers)


def force(client: FlaskClient, run_id: str, status: str) -> None:
    ok(client.post(f"/__mock/runs/{run_id}/force", json={"status": status}))


def run_of(client: FlaskClient, workflow_id: str, run_id: str) -> dict[str, Any]:
    return ok(client.get(f"{WORKFLOWS}/{workflow_id}/runs/{run_id}", headers=KEY))  # type: ignore[no-any-return]


def set_billing(client: FlaskClient, workspace: str, **body: Any) -> dict[str, Any]:
    return ok(client.post(f"/__mock/workspaces/{workspace}/billing", json=body))  # type: ignore[no-any-return]


def test_a_run_debits_what_it_settled_when_it_settles(client: FlaskClient, app: Flask) -> None:
    workflow = idle_workflows(client)[0]
    opening = balance(client)
    run = ok(start(client, workflow), 202)
    # In flight: nothing is debited yet, and every reader agrees.
    assert balance(client) == opening == preview(client, workflow)["current_balance"]
    force(client, run["id"], "completed")
    settled = run_of(client, workflow, run["id"])["credits"]
    assert settled > 0
    assert balance(client) == opening - settled
    assert preview(client, workflow)["current_balance"] == opening - settled
    estimate = ok(client.post(f"{WORKFLOWS}/{workflow}/estimate", json={}, headers=KEY))
    assert estimate["current_balance"] == opening - settled
    account = ok(client.get(CREDITS, headers=KEY))
    assert (account["used"], account["remaining"], account["quota"]) == (
        settled, opening - settled, opening)


@pytest.mark.parametrize("ending", ["failed", "cancelled"])
def test_failed_and_cancelled_runs_debit_what_their_finished_steps_spent(
        client: FlaskClient, app: Flask, ending: str) -> None:
    workflow = idle_workflows(client)[0]
    opening = balance(client)
    run = ok(start(client, workflow), 202)
    advance(app, 20)  # some steps finish first
    force(client, run["id"], ending)
    record = run_of(client, workflow, run["id"])
    assert record["status"] == ending
    assert balance(client) == opening - record["credits"]


def test_the_balance_is_the_same_early_or_late_and_moves_only_at_settlement(
        client: FlaskClient, app: Flask) -> None:
    """A fold at ``now``: reading at any instant gives the figure for that instant."""
    workflow = idle_workflows(client)[0]
    opening = balance(client)
    run = ok(start(client, workflow), 202)
    readings = []
    for _ in range(40):
        advance(app, 15)
        record = run_of(client, workflow, run["id"])
        readings.append((record["status"], record["credits"], balance(client)))
        if record["status"] == "completed":
            break
    for status, credits, seen in readings:
        assert seen == (opening - credits if status in ("completed", "failed") else opening)
    assert readings[-1][0] in ("completed", "failed")


def test_the_control_api_sets_a_balance_from_now_on(client: FlaskClient, app: Flask) -> None:
    first, second = idle_workflows(client)[:2]
    run = ok(start(client, first), 202)
    force(client, run["id"], "completed")
    assert set_billing(client, ACME, credit_balance=500)["credit_balance"] == 500
    assert balance(client) == 500  # runs settled before the new balance no longer count
    later = ok(start(client, second), 202)
    force(client, later["id"], "completed")
    assert balance(client) == 500 - run_of(client, second, later["id"])["credits"]


def test_a_workspace_reset_restores_the_fixture_balance_and_plan(client: FlaskClient) -> None:
    set_billing(client, ACME, credit_balance=7, plan="free")
    assert ok(client.get("/api/v1/users/me/limits", headers=KEY))["monthly_credits"] == 1000
    ok(client.post("/__mock/reset", json={"workspace_id": ACME}))
    assert balance(client) == 25000
    assert ok(client.get("/api/v1/users/me/limits", headers=KEY))["monthly_credits"] == 100000


def test_setting_billing_is_checked_and_refusals_change_nothing(client: FlaskClient) -> None:
    before = ok(client.get("/__mock/events"))["events"]
    assert_error(client.post(f"/__mock/workspaces/{ACME}/billing", json={"plan": "gold"}),
                 422, "VALIDATION_ERROR")
    assert_error(client.post(f"/__mock/workspaces/{ACME}/billing", json={"credit_balance": -1}),
                 422, "VALIDATION_ERROR")
    assert_error(client.post(f"/__mock/workspaces/{ACME}/billing", json={}),
                 422, "VALIDATION_ERROR")
    unknown = "00000000-0000-4000-8000-000000000000"
    assert_error(client.post(f"/__mock/workspaces/{unknown}/billing", json={"plan": "pro"}),
                 404, "NOT_FOUND")
    assert ok(client.get("/__mock/events"))["events"] == before


@pytest.mark.parametrize(("offset", "status"), [(-1, 402), (0, 202), (1, 202)])
def test_the_402_gate_at_the_runs_minimum_cost(client: FlaskClient, offset: int,
                                               status: int) -> None:
    """One credit below the run's minimum is refused; exactly the minimum, or one above, runs."""
    workflow = idle_workflows(client)[0]
    minimum = preview(client, workflow)["min_credits"]
    set_billing(client, ACME, credit_balance=minimum + offset)
    shown = preview(client, workflow)
    assert shown["current_balance"] == minimum + offset
    assert shown["can_run"] is (offset >= 0)
    answer = start(client, workflow)
    if status == 402:
        body = assert_error(answer, 402, "INSUFFICIENT_CREDITS")
        assert (body["error"]["min_credits"], body["error"]["current_balance"]) == (
            minimum, minimum - 1)
    else:
        ok(answer, 202)


def test_spending_the_balance_closes_the_gate(client: FlaskClient) -> None:
    """A run that settles takes the balance below the next run's minimum: that one is a 402."""
    first, second = idle_workflows(client)[:2]
    need = preview(client, second)["min_credits"]
    # Enough for either run to start; a completed run settles at least its own minimum.
    opening = max(need, preview(client, first)["min_credits"])
    set_billing(client, ACME, credit_balance=opening)
    run = ok(start(client, first), 202)
    force(client, run["id"], "completed")
    left = max(0, opening - run_of(client, first, run["id"])["credits"])
    assert balance(client) == left < need
    body = assert_error(start(client, second), 402, "INSUFFICIENT_CREDITS")
    assert body["error"]["current_balance"] == left


def test_each_workspace_is_its_own_account(client: FlaskClient) -> None:
    set_billing(client, GLOBEX, credit_balance=123)
    assert balance(client, bearer(SECOND_WORKSPACE_KEY)) == 123
    assert balance(client, session(ADA, GLOBEX)) == 123
    assert balance(client, session(ADA, ACME)) == 25000
    assert balance(client, session(ADA)) == 25000  # no header: the workspace Ada administers


def test_the_balance_never_goes_below_zero_and_the_rest_is_overage(client: FlaskClient) -> None:
    workflow = idle_workflows(client)[0]
    minimum = preview(client, workflow)["min_credits"]
    set_billing(client, ACME, credit_balance=minimum)
    run = ok(start(client, workflow), 202)
    force(client, run["id"], "completed")
    spent = run_of(client, workflow, run["id"])["credits"]
    account = ok(client.get(CREDITS, headers=KEY))
    assert account["balance"] == max(0, minimum - spent)
    over = max(0, spent - minimum)
    assert account["overage_cents"] == -(-over * 15 // 100)  # Team: 0.15 cents a credit
