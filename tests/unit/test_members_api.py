"""Workspace members and invites: list, invite, roles, remove, revoke, accept."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from support import (
    ACME,
    ADA,
    ELI,
    FROZEN_AT,
    GLOBEX,
    GUS,
    VERA,
    assert_error,
    ok,
    session,
)

from mockserver.app import mock_of
from mockserver.world.service import control, members

OPS = "e1365c5b-aa80-595b-82fb-d859c47a9686"  # ops@globex.example, not in Acme
MEMBERS = f"/api/v1/workspaces/{ACME}/members"
INVITES = f"/api/v1/workspaces/{ACME}/invites"


def _as(user: str, workspace: str | None = None) -> dict[str, str]:
    """A session that outlives the clock moves of these tests (60 days)."""
    return session(user, workspace, ttl=60 * 86400)


def _members(client: FlaskClient, user: str = ADA) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = ok(client.get(MEMBERS, headers=_as(user)))
    return rows


def _member_id(client: FlaskClient, user_id: str) -> str:
    return next(str(m["id"]) for m in _members(client) if m["user_id"] == user_id)


def _invite(client: FlaskClient, email: str = "ops@globex.example", role: str = "editor",
            ) -> dict[str, Any]:
    invite: dict[str, Any] = ok(client.post(INVITES, json={"email": email, "role": role},
                                            headers=_as(ADA)), 201)
    return invite


def _accept(client: FlaskClient, token: str, user: str = OPS) -> Any:
    return client.post(f"/api/v1/workspaces/invites/{token}/accept", headers=_as(user))


def _head(client: FlaskClient) -> int:
    return mock_of(client.application).engine.log.head()


def test_list_puts_the_caller_first_then_admins_then_invites(client: FlaskClient) -> None:
    _invite(client, "new.person@example.com", "viewer")
    rows = _members(client, VERA)
    assert [(r["user_id"], r["status"]) for r in rows] == [
        (VERA, "active"), (ADA, "active"), (ELI, "active"), (None, "invited")]
    assert rows[1]["email"] == "ada@acme.example" and rows[1]["first_name"] == "Ada"
    assert rows[3]["email"] == "new.person@example.com" and rows[3]["role"] == "viewer"
    response = client.get(MEMBERS, headers=_as(VERA)).get_json()
    assert response["pagination"]["limit"] == 4


def test_invite_keeps_the_email_lower_case_and_expires_in_14_days(client: FlaskClient) -> None:
    invite = _invite(client, "  New.Person@Example.COM ")
    assert invite["email"] == "new.person@example.com"
    assert (invite["status"], invite["invited_by"]) == ("pending", ADA)
    assert invite["expires_at"] == "2026-11-29T12:00:00.000Z"
    assert invite["created_at"] == FROZEN_AT.isoformat().replace("+00:00", ".000Z")


@pytest.mark.parametrize("email", ["eli@acme.example", "ELI@acme.example"])
def test_inviting_a_member_is_409(client: FlaskClient, email: str) -> None:
    head = _head(client)
    assert_error(client.post(INVITES, json={"email": email, "role": "viewer"},
                             headers=_as(ADA)), 409, "CONFLICT")
    assert _head(client) == head


def test_a_second_pending_invite_is_409(client: FlaskClient) -> None:
    _invite(client, "someone@example.com")
    assert_error(client.post(INVITES, json={"email": "Someone@example.com", "role": "viewer"},
                             headers=_as(ADA)), 409, "CONFLICT")


@pytest.mark.parametrize("email", ["not-an-email", "two@@example.com", "a b@example.com",
                                   "nobody@localhost"])
def test_invalid_email_is_422_naming_it(client: FlaskClient, email: str) -> None:
    body = assert_error(client.post(INVITES, json={"email": email, "role": "viewer"},
                                    headers=_as(ADA)), 422, "VALIDATION_ERROR")
    assert [d["field"] for d in body["error"]["details"]] == ["email"]


def test_member_management_is_for_admins(client: FlaskClient) -> None:
    assert_error(client.post(INVITES, json={"email": "x@example.com", "role": "viewer"},
                             headers=_as(ELI)), 403, "FORBIDDEN")
    assert_error(client.get(MEMBERS, headers=_as(GUS)), 404, "NOT_FOUND")
    assert len(_members(client, VERA)) == 3  # any member may read the roster


def test_accept_joins_with_the_invites_role(client: FlaskClient) -> None:
    invite = _invite(client, "OPS@globex.example", "editor")
    assert ok(_accept(client, invite["id"])) == {"workspace_id": ACME}
    row = next(m for m in _members(client) if m["user_id"] == OPS)
    assert (row["id"], row["role"], row["status"]) == (invite["id"], "editor", "active")
    # The new member reaches the workspace, and accepting again is the same answer.
    assert client.get("/api/v1/workflows", headers=_as(OPS, ACME)).status_code == 200
    assert ok(_accept(client, invite["id"])) == {"workspace_id": ACME}


def test_accept_by_someone_else_is_403(client: FlaskClient) -> None:
    invite = _invite(client)
    assert_error(_accept(client, invite["id"], GUS), 403, "FORBIDDEN")
    assert_error(_accept(client, "no-such-token"), 404, "NOT_FOUND")


def test_revoked_invite_is_410_and_revoking_twice_is_404(client: FlaskClient) -> None:
    invite = _invite(client)
    ok(client.delete(f"{INVITES}/{invite['id']}", headers=_as(ADA)))
    assert_error(client.delete(f"{INVITES}/{invite['id']}", headers=_as(ADA)), 404,
                 "NOT_FOUND")
    assert_error(_accept(client, invite["id"]), 410, "GONE")
    assert all(m["status"] == "active" for m in _members(client))


def test_invite_past_its_14_days_is_410(client: FlaskClient) -> None:
    invite = _invite(client)
    engine = mock_of(client.application).engine
    control.set_clock(engine, advance_seconds=14 * 86400 - 1)
    _invite(client, "later@example.com")
    control.set_clock(engine, advance_seconds=1)
    assert_error(_accept(client, invite["id"]), 410, "GONE")
    # The expired invite leaves the roster; the younger one stays.
    assert [m["email"] for m in _members(client) if m["status"] == "invited"] == [
        "later@example.com"]
    # An expired invite no longer blocks a new one for the same address.
    assert _invite(client)["status"] == "pending"


def test_invite_accepted_then_member_removed_is_410(client: FlaskClient) -> None:
    invite = _invite(client)
    ok(_accept(client, invite["id"]))
    ok(client.delete(f"{MEMBERS}/{invite['id']}", headers=_as(ADA)))
    assert_error(_accept(client, invite["id"]), 410, "GONE")


def test_invite_role_changes_while_pending_only(client: FlaskClient) -> None:
    invite = _invite(client, role="viewer")
    path = f"{INVITES}/{invite['id']}"
    assert ok(client.patch(path, json={"role": "admin"}, headers=_as(ADA)))["role"] == "admin"
    ok(_accept(client, invite["id"]))
    assert_error(client.patch(path, json={"role": "viewer"}, headers=_as(ADA)), 409,
                 "CONFLICT")
    assert next(m for m in _members(client) if m["user_id"] == OPS)["role"] == "admin"


def test_demoted_editor_can_no_longer_start_runs(client: FlaskClient) -> None:
    workflow = ok(client.get("/api/v1/workflows", headers=_as(ELI, ACME)))[0]["id"]
    path = f"{MEMBERS}/{_member_id(client, ELI)}"
    assert ok(client.patch(path, json={"role": "viewer"}, headers=_as(ADA)))["role"] == (
        "viewer")
    ok(client.patch(path, json={"role": "viewer"}, headers=_as(ADA)))  # idempotent
    started = client.post(f"/api/v1/workflows/{workflow}/runs", json={},
                          headers=_as(ELI, ACME))
    assert_error(started, 403, "FORBIDDEN")


def test_removed_member_no_longer_reaches_the_workspace(client: FlaskClient) -> None:
    vera = _member_id(client, VERA)
    ok(client.delete(f"{MEMBERS}/{vera}", headers=_as(ADA)))
    assert_error(client.get("/api/v1/workflows", headers=_as(VERA, ACME)), 404, "NOT_FOUND")
    assert_error(client.get("/api/v1/workflows", headers={
        "Authorization": "Bearer op_live_demoReadOnlyKeyForOnepinMock0002"}), 401,
        "INVALID_API_KEY")
    assert ACME not in [w["id"] for w in ok(client.get("/api/v1/workspaces",
                                                       headers=_as(VERA)))]
    # Removing her twice: no such member any more.
    assert_error(client.delete(f"{MEMBERS}/{vera}", headers=_as(ADA)), 404, "NOT_FOUND")


def test_owner_and_last_admin_are_protected(client: FlaskClient) -> None:
    ada = _member_id(client, ADA)
    head = _head(client)
    # Ada is Acme's owner and its only admin: neither demoted nor removed, even by herself.
    for response in (client.patch(f"{MEMBERS}/{ada}", json={"role": "editor"},
                                  headers=_as(ADA)),
                     client.delete(f"{MEMBERS}/{ada}", headers=_as(ADA))):
        assert "last admin" in assert_error(response, 409, "CONFLICT")["error"]["message"]
    # With a second admin she is no longer the last one, but still the owner.
    ok(client.patch(f"{MEMBERS}/{_member_id(client, ELI)}", json={"role": "admin"},
                    headers=_as(ADA)))
    for response in (client.patch(f"{MEMBERS}/{ada}", json={"role": "editor"},
                                  headers=_as(ELI)),
                     client.delete(f"{MEMBERS}/{ada}", headers=_as(ELI))):
        assert "owner" in assert_error(response, 409, "CONFLICT")["error"]["message"]
    assert _head(client) == head + 1
    # Globex's only admin is Gus, its owner: Ada (a viewer there) cannot even try.
    gus = next(m["id"] for m in ok(client.get(f"/api/v1/workspaces/{GLOBEX}/members",
                                              headers=_as(GUS))) if m["user_id"] == GUS)
    assert_error(client.delete(f"/api/v1/workspaces/{GLOBEX}/members/{gus}",
                               headers=_as(ADA)), 403, "FORBIDDEN")


def test_seats_of_the_plan_bound_invites(client: FlaskClient) -> None:
    """Globex has three members; its pro plan seats five, pending invites included."""
    invites = f"/api/v1/workspaces/{GLOBEX}/invites"
    for email in ("one@example.com", "two@example.com"):
        ok(client.post(invites, json={"email": email, "role": "viewer"}, headers=_as(GUS)), 201)
    head = _head(client)
    assert_error(client.post(invites, json={"email": "three@example.com", "role": "viewer"},
                             headers=_as(GUS)), 402, "PLAN_LIMIT_REACHED")
    assert _head(client) == head


def test_a_workspace_reset_restores_members_and_forgets_invites(client: FlaskClient) -> None:
    invite = _invite(client)
    ok(client.delete(f"{MEMBERS}/{_member_id(client, VERA)}", headers=_as(ADA)))
    control.reset(mock_of(client.application).engine, ACME)
    assert [m["user_id"] for m in _members(client)] == [ADA, ELI, VERA]
    assert_error(_accept(client, invite["id"]), 404, "NOT_FOUND")


def test_seeded_runs_name_members_of_their_workspace(client: FlaskClient) -> None:
    """Whoever a seeded run says started it belongs to the run's workspace."""
    world = mock_of(client.application).world
    for workspace in (ACME, GLOBEX):
        state = world.workspace(workspace)
        members = {u.id for u in world.fixtures.members(workspace)}
        starters = {r.triggered_by["user_id"] for w in list(state.workflows)
                    for r in state.runs_of(w)}
        assert starters and starters <= members


def test_a_workspace_without_members_has_no_seeded_runs(client: FlaskClient) -> None:
    """Nobody could have started them, so no run names a stranger."""
    lonely = "0e0e0e0e-0000-4000-8000-000000000001"
    engine = mock_of(client.application).engine
    control.load_fixtures(engine, f"workspaces:\n  - {{id: {lonely}, name: Lonely, slug: lonely, "
                                  "workflow_count: 6}\n", "test")
    state = engine.world.workspace(lonely)
    assert len(state.workflows) == 6
    assert all(not state.runs_of(w) for w in state.workflows)


def test_memberships_loaded_at_run_time_join_the_roster(client: FlaskClient) -> None:
    """POST /__mock/fixtures with a membership adds the member to a roster already read,
    keeping what the API changed there."""
    invite = _invite(client, "late@example.com")
    ok(client.post("/__mock/fixtures", json={
        "memberships": [{"workspace": ACME, "user": OPS, "role": "viewer"}]}))
    rows = _members(client)
    assert (OPS, "viewer") in [(r["user_id"], r["role"]) for r in rows]
    assert invite["id"] in [r["id"] for r in rows]
    assert client.get("/api/v1/workflows", headers=_as(OPS, ACME)).status_code == 200


def test_invite_records_are_bounded_until_a_reset(client: FlaskClient,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Revoked and accepted invites are kept, so their number is bounded too (429)."""
    monkeypatch.setattr(members, "MAX_INVITE_RECORDS", 2)
    for email in ("a@example.com", "b@example.com"):
        ok(client.delete(f"{INVITES}/{_invite(client, email)['id']}", headers=_as(ADA)))
    refused = client.post(INVITES, json={"email": "c@example.com", "role": "viewer"},
                          headers=_as(ADA))
    assert_error(refused, 429, "RATE_LIMITED")
    assert refused.headers["Retry-After"].isdigit()
    control.reset(mock_of(client.application).engine, ACME)
    assert _invite(client, "c@example.com")["status"] == "pending"
