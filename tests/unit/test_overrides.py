"""Per-request overrides (Prefer, X-Mock-Delay, X-Mock-Fault) and seeded fault injection."""

from __future__ import annotations

import time

import pytest
from flask.testing import FlaskClient
from support import DEMO_KEY, bearer, make_settings

from mockserver.app import create_app, mock_of

KEY = bearer(DEMO_KEY)
WORKFLOWS = "/api/v1/workflows"


@pytest.mark.parametrize(("code", "error"), [(404, "NOT_FOUND"), (409, "CONFLICT"),
                                             (429, "RATE_LIMITED"), (500, "SERVER_ERROR")])
def test_prefer_code_returns_that_error(client: FlaskClient, code: int, error: str) -> None:
    """Prefer: code=N answers N with the envelope and the API's code for that status."""
    response = client.get(WORKFLOWS, headers={**KEY, "Prefer": f"code={code}"})
    assert response.status_code == code
    assert response.get_json()["error"]["code"] == error


def test_prefer_code_402_is_insufficient_credits(client: FlaskClient) -> None:
    """Prefer: code=402 answers the code a real 402 carries (a start without enough credits)."""
    response = client.get(WORKFLOWS, headers={**KEY, "Prefer": "code=402"})
    assert response.status_code == 402
    assert response.get_json()["error"]["code"] == "INSUFFICIENT_CREDITS"


def test_prefer_code_still_enforces_auth(client: FlaskClient) -> None:
    """Overrides never bypass authentication."""
    response = client.get(WORKFLOWS, headers={"Prefer": "code=404"})
    assert response.status_code == 401


def test_prefer_example_returns_the_spec_example(client: FlaskClient, app: object) -> None:
    """Prefer: example=default answers the operation's example from openapi.yaml."""
    spec = mock_of(app).spec  # type: ignore[attr-defined]
    operation = next(o for o in spec.operations if o.operation_id == "list_workflows")
    example = operation.raw["responses"]["200"]["content"]["application/json"]["example"]
    response = client.get(WORKFLOWS, headers={**KEY, "Prefer": "example=default"})
    assert response.status_code == 200
    assert response.get_json() == example


def test_unknown_example_is_422_listing_the_known_ones(client: FlaskClient) -> None:
    """An unknown example name is a validation error naming the available ones."""
    response = client.get(WORKFLOWS, headers={**KEY, "Prefer": "example=nope"})
    assert response.status_code == 422
    assert "default" in response.get_json()["error"]["details"][0]["message"]


def test_prefer_dynamic_is_schema_valid_and_seeded(app: object) -> None:
    """dynamic=true bodies validate (strict mode is on) and repeat for the same seed."""
    bodies = []
    for _ in range(2):
        test_app = create_app(make_settings())
        response = test_app.test_client().get(f"{WORKFLOWS}?limit=5",
                                              headers={**KEY, "Prefer": "dynamic=true"})
        assert response.status_code == 200
        body = response.get_json()
        body.pop("meta")
        bodies.append(body)
    assert bodies[0] == bodies[1]


def test_prefer_example_does_not_touch_state(client: FlaskClient) -> None:
    """A write answered from an example changes nothing."""
    before = client.get(f"{WORKFLOWS}?limit=100", headers=KEY).get_json()["pagination"]
    response = client.post(WORKFLOWS, json={"name": "x"},
                           headers={**KEY, "Prefer": "example=default"})
    assert response.status_code == 201
    after = client.get(f"{WORKFLOWS}?limit=100", headers=KEY).get_json()["pagination"]
    assert before == after


def test_delay_header_slows_the_answer(client: FlaskClient) -> None:
    """X-Mock-Delay: 200ms delays the response by at least that long."""
    started = time.perf_counter()
    assert client.get("/api/v1/nodes", headers={"X-Mock-Delay": "200ms"}).status_code == 200
    assert time.perf_counter() - started >= 0.2


@pytest.mark.parametrize("header", ["X-Mock-Delay", "X-Mock-Fault", "Prefer"])
def test_malformed_override_headers_are_422(client: FlaskClient, header: str) -> None:
    """A malformed override header is a validation error naming the header."""
    value = {"X-Mock-Delay": "soon", "X-Mock-Fault": "explode", "Prefer": "code=abc"}[header]
    response = client.get("/api/v1/nodes", headers={header: value})
    assert response.status_code == 422
    assert response.get_json()["error"]["details"][0]["field"] == header


def test_fault_header_status(client: FlaskClient) -> None:
    """X-Mock-Fault: status=503 fails the request with the envelope."""
    response = client.get("/api/v1/nodes", headers={"X-Mock-Fault": "status=503"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "SERVER_ERROR"


def test_fault_header_drop_breaks_the_body(client: FlaskClient) -> None:
    """X-Mock-Fault: drop sends headers and then aborts the body."""
    with pytest.raises(ConnectionAbortedError):
        client.get("/api/v1/nodes", headers={"X-Mock-Fault": "drop"}).get_data()


def _statuses(seed: int) -> list[int]:
    app = create_app(make_settings(seed=seed, fault_rate=0.3, fault_status=503))
    client = app.test_client()
    return [client.get(f"/api/v1/nodes?n={i % 7}").status_code for i in range(60)]


def test_fault_rate_fails_a_share_of_requests_the_same_way_per_seed() -> None:
    """About the configured share fails, and the same seed fails the same requests."""
    first, again, other = _statuses(1), _statuses(1), _statuses(2)
    assert first == again
    assert first != other
    assert 8 <= first.count(503) <= 30
    assert set(first) == {200, 503}


def test_slow_rate_delays_without_failing() -> None:
    """slow_rate answers normally but late."""
    client = create_app(make_settings(slow_rate=1.0, slow_ms=150)).test_client()
    started = time.perf_counter()
    assert client.get("/api/v1/nodes").status_code == 200
    assert time.perf_counter() - started >= 0.15


@pytest.mark.parametrize("status", [429, 503])
def test_retryable_faults_carry_retry_after(client: FlaskClient, status: int) -> None:
    """Injected 429 and 503 answers tell clients when to retry."""
    response = client.get("/api/v1/nodes", headers={"X-Mock-Fault": f"status={status}"})
    assert response.status_code == status
    assert response.headers["Retry-After"] == "1"
