"""Authentication and authorization as conventions.md §7-8 describe them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from flask.testing import FlaskClient
from support import (
    ACME,
    ADA,
    DEMO_KEY,
    ELI,
    FROZEN_AT,
    GLOBEX,
    GUS,
    READ_ONLY_KEY,
    SECOND_WORKSPACE_KEY,
    VERA,
    api_spec,
    assert_error,
    bearer,
    filled_path,
    session,
    write_operations,
)

from mockserver.settings import Settings
from mockserver.world.catalog.catalog import Catalog

WORKFLOWS = "/api/v1/workflows"




@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": ""},
    {"Authorization": "Bearer"},
    {"Authorization": "Basic dXNlcjpwYXNz"},
    {"Authorization": f"Bearer {DEMO_KEY} extra"},
    {"Authorization": "Bearer op_test_demoAllScopesKeyForOnepinMock001"},
    {"Authorization": "Bearer op_pk_something"},
    {"Authorization": "Bearer op_live_unknownKeyThatNobodyHasEverIssued1"},
    {"Authorization": "Bearer not-a-jwt"},
])
def test_bad_credentials_are_401(client: FlaskClient, headers: dict[str, str]) -> None:
    """Missing, garbled, reserved-prefix, unknown and malformed credentials get 401."""
    assert_error(client.get(WORKFLOWS, headers=headers), 401, "INVALID_API_KEY")


def test_expired_session_is_401(client: FlaskClient) -> None:
    """A session JWT past its expiry (by the injected clock) is refused."""
    headers = session(ADA, ACME, now=FROZEN_AT - timedelta(hours=2), ttl=3600)
    assert_error(client.get(WORKFLOWS, headers=headers), 401, "INVALID_API_KEY")


SECRET = Settings().jwt_secret
WHOAMI = "/api/v1/auth/whoami"
IN_2030 = datetime(2030, 1, 1, tzinfo=UTC)


def _frozen_in_2030(client: FlaskClient) -> None:
    frozen = client.post("/__mock/clock", json={"freeze_at": "2030-01-01T00:00:00Z"})
    assert frozen.status_code == 200, frozen.get_data(as_text=True)


def _signed(**claims: Any) -> str:
    return jwt.encode({"sub": ADA, "iss": "onepin-mock", **claims}, SECRET, algorithm="HS256")


def test_a_token_minted_on_a_future_mock_clock_is_accepted(client: FlaskClient) -> None:
    """Frozen at 2030-01-01, a token from POST /__mock/tokens opens whoami: its iat (2030)
    is judged by the mock's clock, not by the wall clock (where it lies in the future)."""
    _frozen_in_2030(client)
    minted = client.post("/__mock/tokens", json={"user_id": ADA})
    token = minted.get_json()["data"]["token"]
    assert jwt.decode(token, options={"verify_signature": False})["iat"] == IN_2030.timestamp()
    response = client.get(WHOAMI, headers=bearer(token, ACME))
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize(("nbf_hours", "accepted"), [(2, False), (-1, True)])
def test_not_before_is_judged_by_the_mock_clock(client: FlaskClient, nbf_hours: int,
                                                accepted: bool) -> None:
    """nbf two hours after the mock's now is refused; an hour before it is accepted, although
    both lie years after the wall clock's now."""
    _frozen_in_2030(client)
    now = IN_2030.timestamp()
    token = _signed(iat=int(now), nbf=int(now) + nbf_hours * 3600, exp=int(now) + 7200)
    response = client.get(WHOAMI, headers=bearer(token, ACME))
    if accepted:
        assert response.status_code == 200, response.get_data(as_text=True)
    else:
        body = assert_error(response, 401, "INVALID_API_KEY")
        assert "not valid yet" in body["error"]["message"]


def test_not_before_in_the_mock_future_is_refused_on_a_past_clock(client: FlaskClient) -> None:
    """The suite's clock (2026-11-15) is behind the wall clock: nbf two hours after the mock's
    now is in the wall clock's past, and still refused."""
    now = int(FROZEN_AT.timestamp())
    token = _signed(iat=now, nbf=now + 7200, exp=now + 3 * 3600)
    assert_error(client.get(WHOAMI, headers=bearer(token, ACME)), 401, "INVALID_API_KEY")


@pytest.mark.parametrize("claims", [{"iat": "yesterday"}, {"nbf": "soon"}, {"iat": True},
                                    {"nbf": 10**30}, {"iat": 4102444800 + 1}])
def test_malformed_time_claims_are_refused(client: FlaskClient, claims: dict[str, Any]) -> None:
    """Time claims that are not dates, or an iat after exp, are a malformed token."""
    token = _signed(exp=4102444800, **claims)
    assert_error(client.get(WHOAMI, headers=bearer(token, ACME)), 401, "INVALID_API_KEY")


def test_session_signed_with_another_secret_is_401(client: FlaskClient) -> None:
    """A JWT not signed by the mock is refused."""
    token = jwt.encode({"sub": ADA, "iss": "onepin-mock", "exp": 4102444800}, "x" * 40,
                       algorithm="HS256")
    assert_error(client.get(WORKFLOWS, headers=bearer(token, ACME)), 401, "INVALID_API_KEY")


def test_api_key_is_bound_to_its_workspace(client: FlaskClient) -> None:
    """An API key works without the header, with its own workspace, and not with another."""
    assert client.get(WORKFLOWS, headers=bearer(DEMO_KEY)).status_code == 200
    assert client.get(WORKFLOWS, headers=bearer(DEMO_KEY, ACME)).status_code == 200
    assert_error(client.get(WORKFLOWS, headers=bearer(DEMO_KEY, GLOBEX)), 403, "FORBIDDEN")


def test_scopes_are_flat(client: FlaskClient) -> None:
    """The read-only key can list but not create; scopes do not imply each other."""
    assert client.get(WORKFLOWS, headers=bearer(READ_ONLY_KEY)).status_code == 200
    response = client.post(WORKFLOWS, json={"name": "x"}, headers=bearer(READ_ONLY_KEY))
    assert_error(response, 403, "FORBIDDEN")
    detail = client.get("/api/v2/nodes/source_script", headers=bearer(READ_ONLY_KEY))
    assert_error(detail, 403, "FORBIDDEN")


def test_keys_see_only_their_workspace(client: FlaskClient) -> None:
    """Workflow ids of one workspace are 404 from another, never 403."""
    acme = client.get(WORKFLOWS, headers=bearer(DEMO_KEY)).get_json()["data"][0]["id"]
    response = client.get(f"{WORKFLOWS}/{acme}", headers=bearer(SECOND_WORKSPACE_KEY))
    assert_error(response, 404, "NOT_FOUND")


def test_session_needs_workspace_header(client: FlaskClient) -> None:
    """A session JWT on a workspace operation without X-Workspace-Id gets 400."""
    assert_error(client.get(WORKFLOWS, headers=session(ADA)), 400, "BAD_REQUEST")
    assert_error(client.get(WORKFLOWS, headers=session(ADA, "not-a-uuid")), 400, "BAD_REQUEST")


def test_session_outside_workspace_is_404(client: FlaskClient) -> None:
    """Membership is existence-hidden: a non-member gets 404 for the workspace."""
    assert_error(client.get(WORKFLOWS, headers=session(VERA, GLOBEX)), 404, "NOT_FOUND")
    assert client.get(WORKFLOWS, headers=session(GUS, GLOBEX)).status_code == 200


@pytest.mark.parametrize(("user", "status"), [(ADA, 201), (ELI, 201), (VERA, 403)])
def test_writes_need_editor_role(client: FlaskClient, user: str, status: int) -> None:
    """Admins and editors may create workflows; viewers get 403."""
    response = client.post(WORKFLOWS, json={"name": "Role check"}, headers=session(user, ACME))
    assert response.status_code == status


def test_viewer_in_one_workspace_is_viewer_there_only(client: FlaskClient) -> None:
    """Ada is admin in Acme but only a viewer in Globex."""
    response = client.post(WORKFLOWS, json={"name": "x"}, headers=session(ADA, GLOBEX))
    assert_error(response, 403, "FORBIDDEN")


def test_node_list_needs_no_auth(client: FlaskClient) -> None:
    """GET /nodes is public."""
    response = client.get("/api/v1/nodes")
    assert response.status_code == 200
    listed = [node["node_type"] for node in response.get_json()["data"]]
    assert listed == list(Catalog.load().node_types())


def test_node_detail_v1_refuses_api_keys(client: FlaskClient) -> None:
    """Node detail v1 accepts sessions only; v2 accepts keys with catalog:read."""
    v1 = "/api/v1/nodes/operator_generator"
    assert_error(client.get(v1, headers=bearer(DEMO_KEY)), 401, "UNAUTHORIZED")
    assert client.get(v1, headers=session(VERA, ACME)).status_code == 200
    v2 = client.get("/api/v2/nodes/operator_generator", headers=bearer(DEMO_KEY))
    assert v2.status_code == 200
    assert v2.get_json()["data"]["options"]["providers"]["kind"] == "href"


def test_whoami_with_api_key(client: FlaskClient) -> None:
    """whoami reports the key, its workspace and its sorted scopes."""
    data = client.get("/api/v1/auth/whoami", headers=bearer(READ_ONLY_KEY)).get_json()["data"]
    assert data["auth_kind"] == "api_key"
    assert data["user_id"] == VERA
    assert data["workspace_id"] == ACME
    assert data["api_key_id"]
    assert data["scopes"] == ["workflows:read"]


def test_whoami_with_session_echoes_header(client: FlaskClient) -> None:
    """whoami with a session needs no workspace and echoes the header when given."""
    bare = client.get("/api/v1/auth/whoami", headers=session(ELI)).get_json()["data"]
    assert bare["auth_kind"] == "clerk"
    assert bare["workspace_id"] is None
    assert bare["scopes"] == sorted(bare["scopes"])
    echoed = client.get("/api/v1/auth/whoami", headers=session(ELI, ACME)).get_json()["data"]
    assert echoed["workspace_id"] == ACME


def test_every_response_carries_version_header(client: FlaskClient) -> None:
    """X-OnePin-Required-Version is on successes, errors and routing failures."""
    for path in ("/health", WORKFLOWS, "/nope"):
        assert client.get(path).headers["X-OnePin-Required-Version"]


# -- the scope of every write operation, read from openapi.yaml -----------------------------

_SCOPED_WRITES = [op for op in write_operations()
                  if op.scope and "ApiKeyAuth" in op.security]


def _key_without(client: FlaskClient, scope: str) -> dict[str, str]:
    """An Acme key (Ada's, an admin) holding every scope but ``scope``, loaded at run time."""
    every = api_spec().document["components"]["schemas"]["ApiKeyScope"]["enum"]
    secret = "op_live_scopeTableKey" + scope.replace(":", "").ljust(19, "0")
    record = {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, secret)), "name": f"all but {scope}",
              "key": secret, "workspace": ACME, "user": ADA,
              "scopes": [s for s in every if s != scope]}
    loaded = client.post("/__mock/fixtures", json={"api_keys": [record]})
    assert loaded.status_code == 200, loaded.get_data(as_text=True)
    return bearer(secret)


def test_every_write_method_has_a_scoped_operation() -> None:
    """The table covers POST, PUT, PATCH and DELETE (it grows with openapi.yaml)."""
    assert {op.method for op in _SCOPED_WRITES} == {"POST", "PUT", "PATCH", "DELETE"}


@pytest.mark.parametrize("operation", _SCOPED_WRITES,
                         ids=lambda op: f"{op.method} {op.operation_id}")
def test_every_write_operation_needs_its_scope(client: FlaskClient, operation: Any) -> None:
    """A key lacking the operation's x-onepin-scope (and only that) is 403 FORBIDDEN naming
    the scope; with it, the same request gets past the scope check."""
    path, method = filled_path(operation), operation.method
    lacking = client.open(path, method=method, json={}, headers=_key_without(client,
                                                                               operation.scope))
    body = assert_error(lacking, 403, "FORBIDDEN")
    assert operation.scope in body["error"]["message"]
    allowed = client.open(path, method=method, json={}, headers=bearer(DEMO_KEY))
    assert allowed.status_code != 403, allowed.get_data(as_text=True)
