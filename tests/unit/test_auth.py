"""Authentication and authorization as conventions.md §7-8 describe them."""

from __future__ import annotations

from datetime import timedelta

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
    assert_error,
    bearer,
    session,
)

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
    assert_error(client.get(v1, headers=bearer(DEMO_KEY)), 401, "INVALID_API_KEY")
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
