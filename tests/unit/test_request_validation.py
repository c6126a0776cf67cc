"""Parameter parsing and request validation derived from openapi.yaml."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from support import (
    ACME,
    ADA,
    DEMO_KEY,
    bearer,
    filled_path,
    required_body_fields,
    session,
    write_operations,
)

KEY = bearer(DEMO_KEY)
WORKFLOWS = "/api/v1/workflows"
# Path parameters naming a record the caller must reach for a request to get past auth;
# every other one takes a sample value (the body is checked before the record is looked up).
CALLERS_RECORDS = {"workspace_id": ACME}


def fields_of(response: object) -> list[str]:
    body = response.get_json()  # type: ignore[attr-defined]
    assert response.status_code == 422, body  # type: ignore[attr-defined]
    assert body["error"]["code"] == "VALIDATION_ERROR"
    return [detail["field"] for detail in body["error"]["details"]]


@pytest.mark.parametrize(("query", "field"), [
    ("limit=101", "limit"),
    ("limit=0", "limit"),
    ("limit=ten", "limit"),
    ("offset=-1", "offset"),
    ("status=cancelled", "status"),
    ("sort=created_at", "sort"),
    ("order=up", "order"),
    ("has_failed_run=True", "has_failed_run"),
    ("include_definition=1", "include_definition"),
    ("last_run_after=2026-01-01T00:00:00", "last_run_after"),
    ("last_run_before=yesterday", "last_run_before"),
])
def test_bad_list_parameters_are_422_naming_the_field(client: FlaskClient, query: str,
                                                       field: str) -> None:
    """Each invalid query parameter is reported by name in details."""
    assert field in fields_of(client.get(f"{WORKFLOWS}?{query}", headers=KEY))


def test_every_problem_is_listed(client: FlaskClient) -> None:
    """Several bad parameters give one detail each."""
    fields = fields_of(client.get(f"{WORKFLOWS}?limit=500&offset=-3&order=x", headers=KEY))
    assert {"limit", "offset", "order"} <= set(fields)


def test_inverted_window_is_422(client: FlaskClient) -> None:
    """last_run_after later than last_run_before is rejected."""
    query = "last_run_after=2026-02-01T00:00:00Z&last_run_before=2026-01-01T00:00:00%2B02:00"
    assert fields_of(client.get(f"{WORKFLOWS}?{query}", headers=KEY)) == ["last_run_after"]


def test_malformed_uuid_path_is_422(client: FlaskClient) -> None:
    """A workflow id that is not a UUID is a validation error, not a 404."""
    assert fields_of(client.get(f"{WORKFLOWS}/abc", headers=KEY)) == ["workflow_id"]


def test_literal_routes_win_over_ids(client: FlaskClient) -> None:
    """name-availability and validate are routes of their own, not workflow ids."""
    response = client.get(f"{WORKFLOWS}/name-availability?name=%20Hello%20", headers=KEY)
    assert response.status_code == 200
    assert response.get_json()["data"] == {"name": "Hello", "available": True}
    validate = client.post(f"{WORKFLOWS}/validate", json={"definition": {}}, headers=KEY)
    assert validate.status_code == 200


def test_runs_status_filter_rejects_unknown_and_empty(client: FlaskClient) -> None:
    """The comma-separated run status filter rejects unknown values and empty items."""
    workflow = client.get(WORKFLOWS, headers=KEY).get_json()["data"][0]["id"]
    for bad in ("draft", "completed,,failed", "Completed", ""):
        response = client.get(f"{WORKFLOWS}/{workflow}/runs?status={bad}", headers=KEY)
        assert fields_of(response) == ["status"]


def test_malformed_json_body_is_422(client: FlaskClient) -> None:
    """A body that is not JSON is a validation error on 'body'."""
    response = client.post(WORKFLOWS, data="{nope", headers={**KEY, "Content-Type":
                                                              "application/json"})
    assert fields_of(response) == ["body"]


def test_body_errors_use_dotted_paths(client: FlaskClient) -> None:
    """A wrong nested type is reported at its dotted location."""
    body = {"name": "x", "definition": {"graph": {"nodes": [{"id": "a"}]}}}
    fields = fields_of(client.post(WORKFLOWS, json=body, headers=KEY))
    assert any(f.startswith("definition.graph.nodes[0]") for f in fields)


def test_unknown_path_and_method_use_the_envelope(client: FlaskClient) -> None:
    """Routing failures are 404/405 in the error envelope."""
    missing = client.get("/api/v1/nope", headers=KEY)
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "NOT_FOUND"
    wrong = client.delete(WORKFLOWS, headers=KEY)
    assert wrong.status_code == 405
    assert wrong.get_json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    assert "GET" in wrong.headers["Allow"]


def test_each_missing_field_is_named_once(client: FlaskClient) -> None:
    """A replace without name and definition names both, one detail each (not name twice)."""
    workflow = client.get(f"{WORKFLOWS}?limit=1", headers=KEY).get_json()["data"][0]["id"]
    fields = fields_of(client.put(f"{WORKFLOWS}/{workflow}", json={}, headers=KEY))
    assert sorted(fields) == ["definition", "name"]
    only_name = client.put(f"{WORKFLOWS}/{workflow}", json={"name": "x"}, headers=KEY)
    assert fields_of(only_name) == ["definition"]


_BODY_WRITES = [op for op in write_operations() if required_body_fields(op)]


def test_some_write_operations_require_body_fields() -> None:
    """The table below is not empty (it reads openapi.yaml, so it grows with it)."""
    assert {"update_workflow", "validate_workflow"} <= {op.operation_id for op in _BODY_WRITES}


@pytest.mark.parametrize("operation", _BODY_WRITES, ids=lambda op: op.operation_id)
def test_every_missing_required_body_field_is_a_422_naming_it(client: FlaskClient,
                                                              operation: Any) -> None:
    """For every write operation whose body has required keys, an empty object is a 422
    with one detail per missing key, each named at the top level."""
    # The demo key holds every scope and keys are not held to roles; a session-only
    # operation gets Ada's session (admin of Acme). Both reach Acme, so a workspace in the
    # path is Acme: a made-up one is a 404 before the body is read.
    caller = KEY if "ApiKeyAuth" in operation.security else session(ADA, ACME)
    path = filled_path(operation, CALLERS_RECORDS)
    response = client.open(path, method=operation.method, json={}, headers=caller)
    assert sorted(fields_of(response)) == sorted(required_body_fields(operation))
