"""The plan table (mockserver/world/state/plans.py): fixture workspaces name a plan, which sets
their grant and limits unless the fixture gives its own figures, and a bad plan stops startup."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest
import yaml
from flask import Flask
from support import ACME, GLOBEX, make_settings

from mockserver.app import create_app, mock_of
from mockserver.errors import FixtureError, StartupError
from mockserver.world.state.plans import PLANS, check_plans, plan_limits_of

WS = "a0000000-0000-4000-8000-0000000000aa"


def _app_with(tmp_path: Path, workspace_yaml: str) -> Flask:
    path = tmp_path / "fixtures.yaml"
    path.write_text("workspaces:\n" + textwrap.indent(workspace_yaml, "  "))
    return create_app(make_settings(fixtures_path=path))


def test_default_fixtures_name_plans_and_keep_their_own_figures(app: Flask) -> None:
    world = mock_of(app).world
    acme, globex = plan_limits_of(world, ACME), plan_limits_of(world, GLOBEX)
    assert (acme.plan.name, acme.concurrent_run_limit) == ("team", 5)  # fixture's own limit
    assert (globex.plan.name, globex.concurrent_run_limit) == ("pro", 2)
    assert world.workspace(ACME).info.credit_balance == 25000
    assert acme.members == PLANS["team"].members_per_workspace
    assert acme.pending_invites == PLANS["team"].pending_invites_per_workspace
    assert acme.workspaces_per_owner == PLANS["team"].workspaces_per_owner


def test_a_workspace_without_figures_opens_with_its_plans_grant_and_limit(tmp_path: Path
                                                                          ) -> None:
    app = _app_with(tmp_path, f"- {{id: {WS}, name: Free room, slug: free-room, plan: free}}\n")
    world = mock_of(app).world
    info = world.workspace(WS).info
    assert (info.plan, info.credit_balance, info.concurrent_run_limit) == (
        "free", PLANS["free"].monthly_credits, PLANS["free"].concurrent_runs)


def test_a_workspace_without_a_plan_is_on_the_default_plan(tmp_path: Path) -> None:
    app = _app_with(tmp_path, f"- {{id: {WS}, name: Room, slug: room}}\n")
    assert plan_limits_of(mock_of(app).world, WS).plan.name == "pro"


def test_an_unknown_plan_is_refused_with_file_line_and_field(tmp_path: Path) -> None:
    with pytest.raises(FixtureError) as caught:
        _app_with(tmp_path, f"- id: {WS}\n  name: Room\n  slug: room\n  plan: platinum\n")
    assert any(":5: workspaces[0].plan: must be one of" in p for p in caught.value.problems)


def test_an_inconsistent_plan_table_stops_startup() -> None:
    broken = dataclasses.replace(PLANS["pro"], concurrent_runs=0, tier="gold")
    with pytest.raises(StartupError, match=r"plan 'pro'.*tier.*at least 1"):
        check_plans({**PLANS, "pro": broken})


def test_the_control_api_creates_a_workspace_on_a_plan(app: Flask) -> None:
    client = app.test_client()
    made = client.post("/__mock/workspaces", json={"plan": "free"}).get_json()["data"]
    limits = plan_limits_of(mock_of(app).world, made["workspace_id"])
    assert (limits.plan.name, mock_of(app).world.workspace(made["workspace_id"]).info
            .credit_balance) == ("free", PLANS["free"].monthly_credits)
    refused = client.post("/__mock/workspaces", json={"plan": "platinum"})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "VALIDATION_ERROR"


def test_the_admin_contract_lists_exactly_the_plan_table() -> None:
    document = yaml.safe_load((Path(__file__).parents[2] / "mockserver" /
                               "admin-openapi.yaml").read_text())
    body = document["paths"]["/__mock/workspaces"]["post"]["requestBody"]
    plan = body["content"]["application/json"]["schema"]["properties"]["plan"]
    assert plan["enum"] == list(PLANS)
