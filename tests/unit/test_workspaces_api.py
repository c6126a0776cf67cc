"""Workspaces through the API: list, get, create, update, delete, slug availability, settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from support import (
    ACME,
    ADA,
    DEMO_KEY,
    ELI,
    GLOBEX,
    GUS,
    KEY,
    VERA,
    assert_error,
    bearer,
    make_settings,
    ok,
    session,
)

from mockserver.app import create_app, mock_of
from mockserver.world.service import control

WORKSPACES = "/api/v1/workspaces"


def _create(client: FlaskClient, user: str = ADA, **body: Any) -> dict[str, Any]:
    data: dict[str, Any] = ok(client.post(WORKSPACES, json={"name": "Lab", **body},
                                          headers=session(user)), 201)
    return data


def _head(client: FlaskClient) -> int:
    return mock_of(client.application).engine.log.head()


def test_list_shows_the_callers_memberships_only(client: FlaskClient) -> None:
    """Ada belongs to both demo workspaces, Eli to Acme alone."""
    ada = ok(client.get(WORKSPACES, headers=session(ADA)))
    assert [w["id"] for w in ada] == [ACME, GLOBEX]
    assert [w["id"] for w in ok(client.get(WORKSPACES, headers=session(ELI)))] == [ACME]
    acme = ada[0]
    assert (acme["slug"], acme["created_by"]) == ("acme-voice", ADA)


def test_api_keys_get_the_documented_refusal(client: FlaskClient) -> None:
    """Workspaces take sessions only: a key is a 401, whatever its scopes."""
    for method, path in (("get", WORKSPACES), ("post", WORKSPACES),
                         ("get", f"{WORKSPACES}/{ACME}"), ("delete", f"{WORKSPACES}/{ACME}")):
        response = getattr(client, method)(path, headers=KEY, json={"name": "x"})
        assert_error(response, 401, "UNAUTHORIZED")


def test_get_hides_workspaces_the_caller_is_not_in(client: FlaskClient) -> None:
    assert ok(client.get(f"{WORKSPACES}/{ACME}", headers=session(VERA)))["id"] == ACME
    assert_error(client.get(f"{WORKSPACES}/{GLOBEX}", headers=session(ELI)), 404, "NOT_FOUND")
    body = assert_error(client.get(f"{WORKSPACES}/not-a-uuid", headers=session(ELI)), 422,
                        "VALIDATION_ERROR")
    assert [d["field"] for d in body["error"]["details"]] == ["workspace_id"]


def test_create_makes_the_caller_owner_and_admin(client: FlaskClient) -> None:
    made = _create(client, name="Sound Lab", color_idx=3)
    assert (made["slug"], made["created_by"], made["color_idx"]) == ("sound-lab", ADA, 3)
    members = ok(client.get(f"{WORKSPACES}/{made['id']}/members", headers=session(ADA)))
    assert [(m["user_id"], m["role"]) for m in members] == [(ADA, "admin")]
    # The new workspace is empty and reachable with X-Workspace-Id right away.
    listed = client.get("/api/v1/workflows", headers=session(ADA, made["id"]))
    assert listed.status_code == 200 and listed.get_json()["pagination"]["total"] == 0
    assert made["id"] in [w["id"] for w in ok(client.get(WORKSPACES, headers=session(ADA)))]


def test_slug_made_from_the_name_skips_taken_ones(client: FlaskClient) -> None:
    assert _create(client, name="Acme Voice")["slug"] == "acme-voice-2"


def test_taken_slug_is_409_and_changes_nothing(client: FlaskClient) -> None:
    head = _head(client)
    response = client.post(WORKSPACES, json={"name": "X", "slug": "globex-l10n"},
                           headers=session(ADA))
    assert_error(response, 409, "WORKSPACE_SLUG_TAKEN")
    assert _head(client) == head


@pytest.mark.parametrize("slug", ["admin", "Upper", "two--hyphens", "-edge", "a" * 51])
def test_invalid_or_reserved_slug_is_422_naming_the_field(client: FlaskClient,
                                                          slug: str) -> None:
    response = client.post(WORKSPACES, json={"name": "X", "slug": slug}, headers=session(ADA))
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert [d["field"] for d in body["error"]["details"]] == ["slug"]


def test_owning_past_the_plan_limit_is_402(client: FlaskClient) -> None:
    """Gus owns Globex, on the pro plan: three workspaces per owner."""
    _create(client, GUS, name="Two")
    _create(client, GUS, name="Three")
    head = _head(client)
    refused = client.post(WORKSPACES, json={"name": "Four"}, headers=session(GUS))
    assert_error(refused, 402, "PLAN_LIMIT_REACHED")
    assert _head(client) == head
    _create(client, ELI, name="Eli's own")  # the limit is per owner
    # Ada owns Acme, on the team plan (ten per owner): her fourth is fine.
    for name in ("A", "B", "C"):
        _create(client, ADA, name=name)


def test_update_is_for_admins_and_hidden_from_others(client: FlaskClient) -> None:
    changed = ok(client.patch(f"{WORKSPACES}/{ACME}", headers=session(ADA), json={
        "name": "Acme Audio", "routing_price_sensitivity": 0.8, "routing_llm_fit": True,
        "slug": "acme-voice", "color_idx": None}))
    assert (changed["name"], changed["slug"], changed["routing_llm_fit"]) == (
        "Acme Audio", "acme-voice", True)
    assert changed["updated_at"] > changed["created_at"]
    for user in (ELI, VERA):  # members below admin are told it does not exist
        assert_error(client.patch(f"{WORKSPACES}/{ACME}", json={"name": "Mine"},
                                  headers=session(user)), 404, "NOT_FOUND")
    assert_error(client.patch(f"{WORKSPACES}/{ACME}", json={"slug": "globex-l10n"},
                              headers=session(ADA)), 409, "WORKSPACE_SLUG_TAKEN")
    assert ok(client.get(f"{WORKSPACES}/{ACME}", headers=session(VERA)))["name"] == "Acme Audio"


def test_delete_is_for_the_owner_and_cascades(client: FlaskClient) -> None:
    """After the delete the workspace, its workflows, runs and keys are gone."""
    workflows = ok(client.get("/api/v1/workflows", headers=KEY))
    workflow = workflows[0]["id"]
    # Gus is an admin of Globex but Ada is not its owner: 404 for her.
    assert_error(client.delete(f"{WORKSPACES}/{GLOBEX}", headers=session(ADA)), 404,
                 "NOT_FOUND")
    ok(client.delete(f"{WORKSPACES}/{ACME}", headers=session(ADA)))
    assert_error(client.get(f"{WORKSPACES}/{ACME}", headers=session(ADA)), 404, "NOT_FOUND")
    assert_error(client.get(f"/api/v1/workflows/{workflow}", headers=session(ADA, ACME)),
                 404, "NOT_FOUND")
    assert_error(client.get("/api/v1/workflows", headers=bearer(DEMO_KEY)), 401,
                 "INVALID_API_KEY")
    assert [w["id"] for w in ok(client.get(WORKSPACES, headers=session(ADA)))] == [GLOBEX]
    assert_error(client.delete(f"{WORKSPACES}/{ACME}", headers=session(ADA)), 404,
                 "NOT_FOUND")
    # The slug is free again, and a reset of the workspace brings it back.
    assert _create(client, name="New Acme", slug="acme-voice")["slug"] == "acme-voice"
    control.reset(mock_of(client.application).engine, ACME)
    assert ok(client.get("/api/v1/workflows", headers=KEY))[0]["id"] == workflow


def test_slug_available_rules(client: FlaskClient) -> None:
    def verdict(slug: str, user: str = ADA, workspace: str | None = ACME) -> Any:
        return client.get(f"{WORKSPACES}/slug-available", query_string={"slug": slug},
                          headers=session(user, workspace))

    assert ok(verdict("fresh-slug")) == {"available": True, "reason": None}
    assert ok(verdict("acme-voice")) == {"available": True, "reason": None}  # its own
    assert ok(verdict("globex-l10n")) == {"available": False, "reason": "taken"}
    assert ok(verdict("settings")) == {"available": False, "reason": "reserved"}
    assert ok(verdict("Not A Slug")) == {"available": False, "reason": "invalid"}
    assert_error(verdict("x", workspace=None), 400, "BAD_REQUEST")
    assert_error(verdict("x", user=ELI), 403, "FORBIDDEN")
    assert_error(verdict("x", user=GUS), 404, "NOT_FOUND")


def test_settings_always_carry_both_keys(client: FlaskClient) -> None:
    for workspace, user in ((ACME, VERA), (GLOBEX, GUS)):
        settings = ok(client.get(f"{WORKSPACES}/{workspace}/settings", headers=session(user)))
        assert set(settings) == {"default_language", "theme"}
    assert ok(client.get(f"{WORKSPACES}/{ACME}/settings", headers=KEY))
    # A key reaches its own workspace's settings only.
    assert_error(client.get(f"{WORKSPACES}/{GLOBEX}/settings", headers=KEY), 404, "NOT_FOUND")
    made = _create(client)
    settings = ok(client.get(f"{WORKSPACES}/{made['id']}/settings", headers=session(ADA)))
    assert set(settings) == {"default_language", "theme"}


def test_a_workspace_reset_restores_its_profile(client: FlaskClient) -> None:
    ok(client.patch(f"{WORKSPACES}/{ACME}", json={"name": "Renamed"}, headers=session(ADA)))
    control.reset(mock_of(client.application).engine, ACME)
    assert ok(client.get(f"{WORKSPACES}/{ACME}", headers=session(ADA)))["name"] == (
        "Acme Voice Studio")


def test_an_export_keeps_workspaces_and_members(client: FlaskClient, tmp_path: Path) -> None:
    """GET /__mock/state, loaded as a new app's fixtures, gives the same workspaces, profiles
    and rosters (created workspaces, changed roles and removals included)."""
    made = _create(client, name="Exported lab", color_idx=7)
    ok(client.patch(f"{WORKSPACES}/{ACME}", json={"name": "Acme renamed"}, headers=session(ADA)))
    roster = ok(client.get(f"{WORKSPACES}/{ACME}/members", headers=session(ADA)))
    vera = next(m["id"] for m in roster if m["user_id"] == VERA)
    ok(client.delete(f"{WORKSPACES}/{ACME}/members/{vera}", headers=session(ADA)))
    path = tmp_path / "state.yaml"
    path.write_bytes(client.get("/__mock/state").data)
    copy = create_app(make_settings(fixtures_path=path)).test_client()
    for user in (ADA, GUS):
        # What a workspace export carries (not its routing settings or updated_at).
        assert _exported(ok(copy.get(WORKSPACES, headers=session(user)))) == _exported(
            ok(client.get(WORKSPACES, headers=session(user))))
    for workspace in (ACME, made["id"]):
        for read in ("members", "settings"):
            path_of = f"{WORKSPACES}/{workspace}/{read}"
            assert ok(copy.get(path_of, headers=session(ADA))) == ok(
                client.get(path_of, headers=session(ADA)))


def _exported(workspaces: list[dict[str, Any]]) -> list[dict[str, Any]]:
    keys = ("id", "name", "slug", "color_idx", "created_by", "created_at")
    return [{k: w[k] for k in keys} for w in workspaces]


def test_api_creates_count_against_the_mocks_workspace_cap() -> None:
    """The control API and the API share --max-workspaces: one created, the next is 429."""
    client = create_app(make_settings(max_workspaces=1)).test_client()
    ok(client.post(WORKSPACES, json={"name": "Only one"}, headers=session(ELI)), 201)
    refused = client.post(WORKSPACES, json={"name": "One too many"}, headers=session(ELI))
    assert_error(refused, 429, "RATE_LIMITED")
    assert_error(client.post("/__mock/workspaces", json={}), 429, "RATE_LIMITED")
