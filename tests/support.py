"""Constants and helpers shared by the test suites (fixture ids, credentials)."""

from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, datetime
from typing import Any

from mockserver.formats import parse_zoned_datetime
from mockserver.session_tokens import mint_session_token
from mockserver.settings import Settings
from mockserver.testing import DEMO_KEY, READ_ONLY_KEY, SECOND_WORKSPACE_KEY

ACME = "6ec9a28f-de78-58e7-8616-48891f256dec"
GLOBEX = "bb5d5247-2d7a-5b92-b9d9-fb02ccb411fb"
ADA, ELI, VERA, GUS = (
    "b11a6feb-8597-5691-a36d-7d425071868e",
    "b7745688-e91b-56d9-ad84-384174fb4fb2",
    "8c0c6193-e2ff-5934-bbe4-8a8d31c3bae5",
    "f3fcc075-8011-57cf-a631-59ff5063c1f6",
)
FROZEN_AT = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
MULTI = "57a77a21-4d3c-5065-9a3b-c05876bfddc2"  # Acme's seeded workflow: 4 locales, 6 finished runs

__all__ = ["ACME", "ADA", "DEMO_KEY", "ELI", "GLOBEX", "GUS", "READ_ONLY_KEY",
           "SECOND_WORKSPACE_KEY", "VERA"]


def make_settings(**overrides: Any) -> Settings:
    """Strict responses and a frozen clock: every test is reproducible."""
    base = Settings(strict_responses=True, frozen_at=FROZEN_AT)
    return dataclasses.replace(base, **overrides)


def bearer(token: str, workspace: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if workspace is not None:
        headers["X-Workspace-Id"] = workspace
    return headers


def session(user_id: str, workspace: str | None = None, *, now: datetime = FROZEN_AT,
            ttl: int = 3600) -> dict[str, str]:
    token = mint_session_token(Settings().jwt_secret, user_id, now, ttl)
    return bearer(token, workspace)


KEY = bearer(DEMO_KEY)


def ok(response: Any, status: int = 200) -> Any:
    """The response has this status; return its ``data``."""
    assert response.status_code == status, response.get_data(as_text=True)
    return response.get_json()["data"]


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is the Onepin error envelope with this status and code."""
    assert response.status_code == status, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert "data" not in body
    assert set(body["meta"]) == {"request_id", "timestamp"}
    return body


# -- operations of openapi.yaml, for tables that must grow with the spec --------------------

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@functools.cache
def api_spec() -> Any:
    """openapi.yaml, compiled as the server compiles it."""
    from mockserver.spec import Spec

    return Spec.load(Settings().spec_path)


def spec_operations() -> tuple[Any, ...]:
    """Every API operation openapi.yaml declares."""
    return api_spec().operations  # type: ignore[no-any-return]


def write_operations() -> list[Any]:
    return [op for op in spec_operations() if op.method in WRITE_METHODS]


def sample_value(schema: dict[str, Any]) -> str:
    """A value that passes a path parameter's schema (so a request reaches the rule under
    test): the first enum value, a fixed UUID, or a plain word."""
    if schema.get("enum"):
        return str(schema["enum"][0])
    if schema.get("format") == "uuid":
        return "00000000-0000-4000-8000-000000000000"
    if schema.get("type") == "integer":
        return str(schema.get("minimum", 1))
    return "sample"


def filled_path(operation: Any, values: dict[str, str] | None = None) -> str:
    """The operation's path with each parameter taken from ``values`` (by name), else a
    sample value that passes its schema."""
    path: str = operation.path
    for param in operation.parameters:
        if param.location == "path":
            value = (values or {}).get(param.name) or sample_value(param.schema)
            path = path.replace("{" + param.name + "}", value)
    return path


def required_body_fields(operation: Any) -> list[str]:
    """The top-level keys a JSON request body must hold, as openapi.yaml says."""
    spec = api_spec()
    body = spec.resolve(operation.raw.get("requestBody", {}))
    schema = spec.resolve(body.get("content", {}).get("application/json", {}).get("schema", {}))
    return [str(name) for name in schema.get("required", [])]


# Query parameters that make a time window: (start, end).
WINDOWS = (("last_run_after", "last_run_before"), ("from", "to"))


def windows_in_order(case: Any) -> None:
    """OpenAPI cannot say "start <= end": put a Schemathesis case's valid generated windows
    in order. The mock answers an inverted window with 422 (workflows.md §3.1), a rule with
    its own unit tests; values that are not date-times are left as they are."""
    query = case.query or {}
    for start, end in WINDOWS:
        values = query.get(start), query.get(end)
        if not all(isinstance(v, str) for v in values):
            continue
        try:
            first, second = (parse_zoned_datetime(str(v)) for v in values)
        except ValueError:
            continue
        if first > second:
            query[start], query[end] = query[end], query[start]


def completed_run_id(client: Any) -> str:
    """The id of one of MULTI's completed runs (settled: its reads are kept)."""
    runs = ok(client.get(f"/api/v1/workflows/{MULTI}/runs?status=completed&limit=1", headers=KEY))
    return str(runs[0]["id"])
