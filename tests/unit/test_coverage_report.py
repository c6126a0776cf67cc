"""``GET /__mock/coverage`` on a strict app (its answers are checked against
admin-openapi.yaml): what is counted, and how each 4xx is attributed."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient
from support import DEMO_KEY, assert_error, bearer, ok

LIST = "/api/v1/workflows"
CONTROL = {"Content-Type": "application/json"}


def _coverage(client: FlaskClient, query: str = "") -> Any:
    return ok(client.get(f"/__mock/coverage{query}"))


def _fresh(client: FlaskClient) -> None:
    """Coverage outlives resets on purpose: clear it for this test."""
    assert ok(client.delete("/__mock/coverage", headers=CONTROL)) == {}


def test_each_4xx_is_attributed(client: FlaskClient) -> None:
    _fresh(client)
    key = bearer(DEMO_KEY)
    assert_error(client.get(f"{LIST}?sort=colour", headers=key), 422, "VALIDATION_ERROR")
    assert_error(client.get(LIST, headers={**key, "Prefer": "code=404"}), 404, "NOT_FOUND")
    assert_error(client.get(LIST), 401, "INVALID_API_KEY")
    assert_error(client.get("/api/v1/no-such-thing", headers=key), 404, "NOT_FOUND")
    assert_error(client.post(LIST, data=b"{", headers={**key, **CONTROL}), 422,
                 "VALIDATION_ERROR")
    report = _coverage(client)
    listing = report["operations"]["list_workflows"]
    assert listing["client_errors"] == {"spec_violation": 1, "contract_rule": 1, "forced": 1}
    assert [f["field"] for f in listing["validation_failures"]] == ["sort"]
    assert listing["validation_failures"][0]["rule"] == "enum"
    created = report["operations"]["create_workflow"]
    assert created["validation_failures"][0]["rule"] == "json"
    assert report["operations"]["(no operation)"]["client_errors"]["spec_violation"] == 1
    assert report["other_operations"] == ["(no operation)"]
    assert report["client_errors"] == {"spec_violation": 3, "contract_rule": 1, "forced": 1}


def test_control_calls_are_not_coverage_and_a_workspace_filter_narrows(
        client: FlaskClient) -> None:
    _fresh(client)
    ok(client.get(f"{LIST}?limit=1", headers=bearer(DEMO_KEY)))
    ok(client.get("/api/v1/nodes"))
    ok(client.get("/__mock/requests"))
    report = _coverage(client)
    assert report["requests"] == 2
    assert set(report["workspaces"]) == {"-", "6ec9a28f-de78-58e7-8616-48891f256dec"}
    only = _coverage(client, "?workspace_id=6ec9a28f-de78-58e7-8616-48891f256dec")
    assert only["requests"] == 1 and list(only["operations"]) == ["list_workflows"]
    assert "workspaces" not in only


def test_journal_entry_names_the_validation_outcome(client: FlaskClient) -> None:
    key = bearer(DEMO_KEY)
    client.get(f"{LIST}?limit=0", headers=key)
    client.get(LIST)
    ok(client.get(f"{LIST}?limit=1", headers=key))
    entries = ok(client.get("/__mock/requests?limit=3"))
    assert [e["validation"] for e in entries] == ["failed", "not_checked", "passed"]
    assert [e["attribution"] for e in entries] == ["spec_violation", "contract_rule", None]
    assert entries[0]["validation_failures"] == [{
        "field": "limit", "rule": "minimum",
        "message": "Input should be greater than or equal to 1"}]
