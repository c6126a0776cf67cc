"""What a stranger can make the mock do: overrides only after authentication and clamped,
control endpoints deaf to overrides and to forged cross-site requests, body size limits,
and a workspace header that whoami checks before echoing it."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import ACME, ADA, ELI, GLOBEX, KEY, assert_error, make_settings, ok, session

from mockserver.app import create_app, mock_of

WORKFLOWS = "/api/v1/workflows"


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every time.sleep the mock asks for, recorded instead of slept."""
    asked: list[float] = []
    monkeypatch.setattr(time, "sleep", asked.append)
    return asked


# -- overrides come after authentication -----------------------------------------------------


@pytest.mark.parametrize("header", [{"X-Mock-Delay": "60s"}, {"X-Mock-Fault": "slow=60s"}])
def test_anonymous_requests_cannot_hold_a_thread(client: FlaskClient, sleeps: list[float],
                                                 header: dict[str, str]) -> None:
    """Without a valid credential the answer is 401 at once: no delay is applied."""
    assert_error(client.get(WORKFLOWS, headers=header), 401, "INVALID_API_KEY")
    assert_error(client.get(WORKFLOWS, headers={**header, "Authorization": "Bearer op_live_x"}),
                 401, "INVALID_API_KEY")
    assert sleeps == []


@pytest.mark.parametrize("status", ["200", "204", "302", "101"])
def test_a_fault_cannot_force_a_non_error_status(client: FlaskClient, status: str) -> None:
    """X-Mock-Fault takes 4xx/5xx only; anything else is a 422 naming the header."""
    response = client.get(WORKFLOWS, headers={**KEY, "X-Mock-Fault": f"status={status}"})
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert body["error"]["details"][0]["field"] == "X-Mock-Fault"


def test_a_fault_without_credentials_is_still_401(client: FlaskClient) -> None:
    """A forced status never stands in for authentication."""
    for fault in ("status=503", "status=404", "drop"):
        assert_error(client.get(WORKFLOWS, headers={"X-Mock-Fault": fault}), 401,
                     "INVALID_API_KEY")


def test_delays_are_clamped_to_max_delay_ms(sleeps: list[float]) -> None:
    """Delay plus slow fault never holds an answer longer than the setting."""
    client = create_app(make_settings(max_delay_ms=1500)).test_client()
    assert ok(client.get(WORKFLOWS, headers={**KEY, "X-Mock-Delay": "9" * 500 + "s"}))
    assert ok(client.get(WORKFLOWS, headers={**KEY, "X-Mock-Delay": "1s",
                                             "X-Mock-Fault": "slow=1s"}))
    assert ok(client.get(WORKFLOWS, headers={**KEY, "X-Mock-Delay": "250ms"}))
    assert sleeps == [1.5, 1.5, 0.25]


def test_slow_faults_from_settings_are_clamped_too(sleeps: list[float]) -> None:
    client = create_app(make_settings(slow_rate=1.0, slow_ms=60_000, max_delay_ms=2000))
    assert ok(client.test_client().get(WORKFLOWS, headers=KEY))
    assert sleeps == [2.0]


def test_public_operations_honour_overrides(client: FlaskClient, sleeps: list[float]) -> None:
    """An operation with no auth (the node catalog) is open to overrides for everyone."""
    assert ok(client.get("/api/v1/nodes", headers={"X-Mock-Delay": "300ms"}))
    assert sleeps == [0.3]
    response = client.get("/api/v1/nodes", headers={"X-Mock-Fault": "status=503"})
    assert_error(response, 503, "SERVER_ERROR")


@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/__mock/health", None),
    ("GET", "/__mock/clock", None),
    ("POST", "/__mock/clock", {"advance_seconds": 1}),
    ("GET", "/__mock/requests", None),
    ("POST", "/__mock/reset", {}),
])
def test_control_endpoints_ignore_overrides(client: FlaskClient, sleeps: list[float],
                                            method: str, path: str, body: Any) -> None:
    """Health answers at once and control calls are never delayed, faked or dropped."""
    for headers in ({"X-Mock-Delay": "5s"}, {"X-Mock-Fault": "status=503"},
                    {"X-Mock-Fault": "drop"}, {"Prefer": "code=500"},
                    {"X-Mock-Fault": "status=101"}, {"X-Mock-Delay": "soon"}):
        response = client.open(path, method=method, json=body, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
    assert sleeps == []


# -- request body size -------------------------------------------------------------------------


def test_body_limit_is_configurable_and_inclusive() -> None:
    """Exactly max_body_bytes is read; one byte more is a 413 that changes nothing."""
    app = create_app(make_settings(max_body_bytes=200))
    client = app.test_client()
    name = "n" * (200 - len('{"name": ""}'))
    fits = f'{{"name": "{name}"}}'
    assert len(fits) == 200
    ok(client.post(WORKFLOWS, data=fits, headers={**KEY, "Content-Type": "application/json"}),
       201)
    total = ok(client.get(WORKFLOWS, headers=KEY), 200)
    too_big = f'{{"name": "{name}x"}}'
    response = client.post(WORKFLOWS, data=too_big,
                           headers={**KEY, "Content-Type": "application/json"})
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert ok(client.get(WORKFLOWS, headers=KEY), 200) == total


def test_operations_without_a_body_ignore_one() -> None:
    """A body sent to a GET is neither read nor judged."""
    client = create_app(make_settings(max_body_bytes=10)).test_client()
    response = client.open(WORKFLOWS, method="GET", data="x" * 1000, headers=KEY)
    assert ok(response)


# -- forged cross-site control requests ----------------------------------------------------------


def _workflow_count(app: Flask) -> int:
    state = mock_of(app).world.workspace(ACME)
    with state.lock:
        return len(state.live_workflows())


@pytest.mark.parametrize("headers", [
    {},
    {"Content-Type": "text/plain"},
    {"Content-Type": "application/x-www-form-urlencoded"},
    {"Content-Type": "multipart/form-data; boundary=x"},
])
def test_a_simple_cross_site_post_cannot_reset(app: Flask, client: FlaskClient,
                                               headers: dict[str, str]) -> None:
    """The requests a browser sends without a preflight are refused, and reset nothing."""
    ok(client.post(WORKFLOWS, json={"name": "survives"}, headers=KEY), 201)
    before = _workflow_count(app)
    response = client.post("/__mock/reset", data="", headers=headers)
    assert_error(response, 403, "FORBIDDEN")
    assert _workflow_count(app) == before


@pytest.mark.parametrize("headers", [
    {"Content-Type": "application/json"},
    {"Content-Type": "application/merge-patch+json"},
    {"X-Requested-With": "fetch"},
    {"Content-Type": "application/json", "Origin": "http://localhost:5173"},
    {"Content-Type": "application/json", "Origin": "http://localhost"},
])
def test_deliberate_control_posts_work(client: FlaskClient, headers: dict[str, str]) -> None:
    """A JSON content type or a custom header (both need a preflight) is enough."""
    assert ok(client.post("/__mock/reset", data="", headers=headers)) == {"reset": "all"}


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_foreign_origin_is_refused(client: FlaskClient, method: str) -> None:
    """A page on a non-allowed origin cannot call the control API at all."""
    headers = {"Origin": "https://evil.example", "Content-Type": "application/json"}
    path = "/__mock/state" if method == "GET" else "/__mock/reset"
    response = client.open(path, method=method, json={} if method == "POST" else None,
                           headers=headers)
    assert_error(response, 403, "FORBIDDEN")


def test_configured_origins_replace_the_loopback_default() -> None:
    client = create_app(make_settings(cors_origins=("https://app.example.com",))).test_client()
    allowed = {"Origin": "https://app.example.com", "Content-Type": "application/json"}
    assert ok(client.post("/__mock/reset", json={}, headers=allowed))
    refused = {"Origin": "http://localhost:5173", "Content-Type": "application/json"}
    assert_error(client.post("/__mock/reset", json={}, headers=refused), 403, "FORBIDDEN")


# -- whoami checks the workspace it echoes -------------------------------------------------------


def test_whoami_echoes_only_a_workspace_the_session_belongs_to(client: FlaskClient) -> None:
    path = "/api/v1/auth/whoami"
    assert ok(client.get(path, headers=session(ADA, GLOBEX)))["workspace_id"] == GLOBEX
    assert ok(client.get(path, headers=session(ELI)))["workspace_id"] is None
    assert_error(client.get(path, headers=session(ELI, "not-a-uuid")), 400, "BAD_REQUEST")
    assert_error(client.get(path, headers=session(ELI, GLOBEX)), 404, "NOT_FOUND")
