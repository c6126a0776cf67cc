"""Every example in openapi.yaml is what the mock answers in that case.

Each example body is produced by a natural request: a success example by calling its
operation on seeded records (with the operation's own request-body example as the body),
an error example by the request that earns that status. Error examples must equal the
answer (code, message, details, extra fields); success examples must have the answer's
shape (the same keys at every level, values of the same JSON types) and equal values where
the answer is fixed (an action's flag, a name check).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import (
    ACME,
    ADA,
    GUS,
    KEY,
    READ_ONLY_KEY,
    api_spec,
    bearer,
    make_settings,
    session,
    spec_operations,
)
from werkzeug.test import TestResponse

from mockserver.app import create_app, mock_of
from mockserver.world.dataset.workspace_voices import voices_of

WORKFLOWS = "/api/v1/workflows"
INVITES = f"/api/v1/workspaces/{ACME}/invites"
ADMIN = session(ADA, ACME)  # Acme's owner and admin
# The invitee of create_invite's request example (gus@globex.example), who may accept it.
INVITEE = session(GUS)
Answer = TestResponse


# -- seeded records the natural requests use ---------------------------------------------------


def _ok(response: Answer) -> Any:
    assert response.status_code < 300, response.get_data(as_text=True)
    return response.get_json()["data"]


class Seeds:
    """Ids of seeded records: a workflow with a completed run, and what that run holds."""

    def __init__(self, client: FlaskClient, app: Flask) -> None:
        self.client = client
        self.app = app
        for workflow in _ok(client.get(f"{WORKFLOWS}?status=completed&limit=20", headers=KEY)):
            runs = _ok(client.get(f"{WORKFLOWS}/{workflow['id']}/runs?status=completed",
                                  headers=KEY))
            if runs:
                self.workflow_id, self.run_id = workflow["id"], runs[0]["id"]
                break
        run = f"{WORKFLOWS}/{self.workflow_id}/runs/{self.run_id}"
        output = _ok(client.get(f"{run}/outputs", headers=KEY))["outputs"][0]
        self.audio_id = output["lines"][0]["audio_files"][0]["audio_id"]
        self.node_id = output["node_id"]
        world = mock_of(app).world
        self.voice_id = voices_of(world, ACME)[0].id
        provider = world.catalog.providers[0]
        self.provider, self.model = provider.provider, provider.models[0].model
        # Acme's own template (its writes are allowed) and a seeded dictionary entry.
        self.template_id = _ok(client.get("/api/v1/users/me/templates", headers=KEY))[0]["id"]
        self.entry_id = _ok(client.get("/api/v1/dictionary?language=en-us", headers=KEY))[0]["id"]
        roster = _ok(client.get(f"/api/v1/workspaces/{ACME}/members", headers=ADMIN))
        # A member an admin may change or remove: active, not an admin (so neither the
        # owner nor the last admin).
        self.member_id = next(m["id"] for m in roster
                              if m["status"] == "active" and m["role"] != "admin")

    def path_values(self) -> dict[str, str]:
        """A seeded value for each path parameter name (an operation with another one fails
        by name: add its seed here)."""
        return {"workflow_id": self.workflow_id, "run_id": self.run_id,
                "audio_id": self.audio_id, "node_id": self.node_id,
                "node_type": "operator_generator", "voice_id": self.voice_id,
                "workspace_id": ACME, "provider": self.provider, "model": self.model,
                "template_id": self.template_id, "entry_id": self.entry_id,
                "member_id": self.member_id}


def _runnable(client: FlaskClient) -> str:
    """A copy of a workflow whose graph can start (nothing active on it yet)."""
    for workflow in _ok(client.get(f"{WORKFLOWS}?status=completed&limit=20", headers=KEY)):
        copy = _ok(client.post(f"{WORKFLOWS}/{workflow['id']}/duplicate", headers=KEY))
        started = client.post(f"{WORKFLOWS}/{copy['id']}/runs", headers=KEY, json={})
        if started.status_code == 202:
            run = started.get_json()["data"]
            _ok(client.post(f"{WORKFLOWS}/{copy['id']}/runs/{run['id']}/cancel", headers=KEY))
            return str(copy["id"])
    raise AssertionError("no seeded workflow can start a run")


def _clock(client: FlaskClient, seconds: float) -> None:
    _ok(client.post("/__mock/clock", json={"advance_seconds": seconds}))


def _run_in(client: FlaskClient, status: str) -> tuple[str, str]:
    """A fresh run brought to ``status`` (pending, running or paused)."""
    workflow = _runnable(client)
    run = _ok(client.post(f"{WORKFLOWS}/{workflow}/runs", headers=KEY, json={}))["id"]
    if status in ("running", "paused"):
        _clock(client, 5)
    if status == "paused":
        _ok(client.post(f"/__mock/runs/{run}/force", json={"status": "paused"}))
    return workflow, run


# -- natural requests ------------------------------------------------------------------------------

Producer = Callable[[FlaskClient, Seeds, Any], Answer]


def _request_example(operation: Any) -> Any:
    body = api_spec().resolve(operation.raw.get("requestBody", {}))
    media = body.get("content", {}).get("application/json", {})
    return media.get("example")


def _operation(operation_id: str) -> Any:
    return next(op for op in spec_operations() if op.operation_id == operation_id)


def _pending_invite(client: FlaskClient) -> str:
    """An invite to Acme, pending, made with create_invite's own request example."""
    body = _request_example(_operation("create_invite"))
    return str(_ok(client.post(INVITES, headers=ADMIN, json=body))["id"])


def _on_pending_invite(method: str) -> Producer:
    def produce(client: FlaskClient, seeds: Seeds, body: Any) -> Answer:
        invite = _pending_invite(client)
        return client.open(f"{INVITES}/{invite}", method=method, headers=ADMIN, json=body)
    return produce


def _accept_pending_invite(client: FlaskClient, seeds: Seeds, body: Any) -> Answer:
    invite = _pending_invite(client)
    return client.post(f"/api/v1/workspaces/invites/{invite}/accept", headers=INVITEE)


def _accept_revoked_invite(client: FlaskClient) -> Answer:
    invite = _pending_invite(client)
    _ok(client.delete(f"{INVITES}/{invite}", headers=ADMIN))
    return client.post(f"/api/v1/workspaces/invites/{invite}/accept", headers=INVITEE)


def _on_run(status: str, action: str) -> Producer:
    def produce(client: FlaskClient, seeds: Seeds, body: Any) -> Answer:
        workflow, run = _run_in(client, status)
        return client.post(f"{WORKFLOWS}/{workflow}/runs/{run}/{action}", headers=KEY,
                           json=body)
    return produce


def _on_fresh_workflow(method: str, suffix: str = "") -> Producer:
    def produce(client: FlaskClient, seeds: Seeds, body: Any) -> Answer:
        workflow = _runnable(client)
        return client.open(f"{WORKFLOWS}/{workflow}{suffix}", method=method, headers=KEY,
                           json=body)
    return produce


def _on_script_workflow(suffix: str) -> Producer:
    """A POST on a seeded workflow whose graph has its one source_script node (what a run
    override of the script needs)."""
    def produce(client: FlaskClient, seeds: Seeds, body: Any) -> Answer:
        rows = _ok(client.get(f"{WORKFLOWS}?limit=100&include_definition=true", headers=KEY))
        workflow = next(row["id"] for row in rows if [
            n for n in row["definition"]["graph"]["nodes"] if n["type"] == "source_script"])
        return client.post(f"{WORKFLOWS}/{workflow}{suffix}", headers=KEY, json=body)
    return produce


def _name_check(client: FlaskClient, seeds: Seeds, body: Any) -> Answer:
    return client.get(f"{WORKFLOWS}/name-availability?name=Cabin%20announcements",
                      headers=KEY)


def _checkout_of_a_free_workspace(client: FlaskClient, seeds: Seeds, body: Any) -> Answer:
    """A checkout puts a free workspace on a paid plan: a fresh free one, by its admin."""
    created = _ok(client.post("/__mock/workspaces", json={"plan": "free"}))
    workspace = created["workspace_id"]
    return client.post(f"/api/v1/workspaces/{workspace}/billing/checkout", json=body,
                       headers=session(created["user_id"], workspace))


def _stored_upload(client: FlaskClient) -> str:
    """A pending script upload whose file has arrived at its upload_url."""
    created = _ok(client.post("/api/v1/uploads", headers=KEY,
                              json={"filename": "cabin_script.txt", "category": "script"}))
    put = client.put(created["upload_url"].replace("http://localhost", ""),
                     data=b"Welcome aboard.\n", headers={"Content-Type": "text/plain"})
    assert put.status_code == 200, put.get_data(as_text=True)
    return str(created["upload"]["id"])


def _confirm_upload(client: FlaskClient, seeds: Seeds, body: Any) -> Answer:
    return client.post(f"/api/v1/uploads/{_stored_upload(client)}", headers=KEY,
                       json={**body, "context_id": seeds.workflow_id})


def _delete_upload(client: FlaskClient, seeds: Seeds, body: Any) -> Answer:
    return client.delete(f"/api/v1/uploads/{_stored_upload(client)}", headers=KEY)


def _preview_voice(client: FlaskClient, seeds: Seeds, body: Any) -> Answer:
    voice = _ok(client.get(f"/api/v1/voices/{seeds.voice_id}", headers=KEY))
    return client.get(f"/api/v1/voices/{seeds.voice_id}/preview?language="
                      f"{voice['preview_locales'][0]}", headers=KEY)


# Operations whose natural request needs a record in a given state; every other one is
# called on the seeded records with its own request-body example.
SPECIAL: dict[str, Producer] = {
    "start_run": _on_fresh_workflow("POST", "/runs"),
    "estimate_workflow": _on_script_workflow("/estimate"),
    "preview_run": _on_script_workflow("/runs/preview"),
    "check_workflow_name_availability": _name_check,
    "create_workspace_org_checkout": _checkout_of_a_free_workspace,
    "delete_workflow": _on_fresh_workflow("DELETE"),
    "cancel_run": _on_run("pending", "cancel"),
    "pause_run": _on_run("running", "pause"),
    "resume_run": _on_run("paused", "resume"),
    "confirm_upload": _confirm_upload,
    "delete_upload": _delete_upload,
    "preview_voice": _preview_voice,
    "update_invite_role": _on_pending_invite("PATCH"),
    "revoke_invite": _on_pending_invite("DELETE"),
    "accept_invite": _accept_pending_invite,
}


def _required_query(operation: Any) -> dict[str, Any]:
    """A value for each required query parameter: its ``example``, else its default or first
    enum value (an operation with none of them fails by name: give the parameter an example)."""
    query = {}
    for raw in operation.raw.get("parameters", []):
        param = api_spec().resolve(raw)
        if param.get("in") != "query" or not param.get("required"):
            continue
        schema = api_spec().resolve(param.get("schema", {}))
        value = param.get("example", schema.get("default", (schema.get("enum") or [None])[0]))
        assert value is not None, f"no example for the required query parameter {param['name']}"
        query[param["name"]] = value
    return query


def produce_success(operation: Any, client: FlaskClient, seeds: Seeds) -> Answer:
    body = _request_example(operation)
    special = SPECIAL.get(operation.operation_id)
    if special is not None:
        return special(client, seeds, body)
    values = seeds.path_values()
    path = operation.path
    for param in operation.parameters:
        if param.location == "path":
            assert param.name in values, f"no seeded value for path parameter {param.name}"
            path = path.replace("{" + param.name + "}", values[param.name])
    # The demo key where keys are taken (every scope), else a session of Acme's admin.
    headers = KEY if "ApiKeyAuth" in operation.security or not operation.security else \
        ADMIN
    return client.open(path, method=operation.method, headers=headers,
                       query_string=_required_query(operation),
                       json=body if body is not None else None)


# -- error examples: the request that earns each documented error ----------------------------

ERRORS: dict[str, Callable[[FlaskClient, Seeds], Answer]] = {
    "BadRequest": lambda c, s: c.get(WORKFLOWS, headers=session(ADA)),
    "Unauthorized": lambda c, s: c.get(WORKFLOWS, headers=bearer("op_live_revokedOrMadeUp00")),
    "Forbidden": lambda c, s: c.post(WORKFLOWS, headers=bearer(READ_ONLY_KEY), json={}),
    "NotFound": lambda c, s: c.get(f"{WORKFLOWS}/00000000-0000-4000-8000-000000000000",
                                   headers=KEY),
    "PaymentRequired": lambda c, s: _broke_start(c),
    "Conflict": lambda c, s: _second_start(c),
    "PayloadTooLarge": lambda c, s: c.post(WORKFLOWS, headers=KEY,
                                           data=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                                           content_type="application/json"),
    "ValidationError": lambda c, s: c.get(f"{WORKFLOWS}?limit=500", headers=KEY),
    "UpgradeRequired": lambda c, s: c.get(WORKFLOWS, headers={**KEY,
                                                              "User-Agent": "onepin/0.15.0"}),
    "TooManyRequests": lambda c, s: c.get(WORKFLOWS, headers={**KEY, "Prefer": "code=429"}),
    "InternalServerError": lambda c, s: c.get(WORKFLOWS, headers={**KEY, "Prefer": "code=500"}),
    "ServiceUnavailable": lambda c, s: c.get(WORKFLOWS, headers={**KEY, "Prefer": "code=503"}),
    "Gone": lambda c, s: _accept_revoked_invite(c),
}


def _second_start(client: FlaskClient) -> Answer:
    workflow, _run = _run_in(client, "pending")
    return client.post(f"{WORKFLOWS}/{workflow}/runs", headers=KEY, json={})


def _broke_start(client: FlaskClient) -> Answer:
    """A start in a fresh workspace that holds no credits."""
    created = _ok(client.post("/__mock/workspaces", json={"credit_balance": 0}))
    key = bearer(created["api_key"])
    workflows = _ok(client.get(f"{WORKFLOWS}?status=completed&limit=1", headers=key))
    return client.post(f"{WORKFLOWS}/{workflows[0]['id']}/runs", headers=key, json={})


# -- comparison ----------------------------------------------------------------------------------


def shape(value: Any) -> Any:
    """Keys at every level and JSON types; a list by its first item."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    if isinstance(value, bool) or value is None:
        return type(value).__name__
    return "number" if isinstance(value, (int, float)) else type(value).__name__


def _object_branch(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema itself, or the branch of an anyOf/oneOf that describes an object."""
    schema = api_spec().resolve(schema)
    for key in ("anyOf", "oneOf"):
        for branch in schema.get(key, []):
            branch = api_spec().resolve(branch)
            if "properties" in branch or "items" in branch:
                return _object_branch(branch)
    return schema


def differences(example: Any, answer: Any, schema: dict[str, Any], at: str = "") -> list[str]:
    """Where the example's shape differs from the answer's, walking the response schema:
    keys of an object the schema describes, list items by the first one, JSON types of
    values. Free-form objects (definitions, configs) and nulls are left open."""
    if example is None or answer is None:
        return []
    schema = _object_branch(schema)
    if isinstance(example, dict) and isinstance(answer, dict):
        properties = schema.get("properties")
        if not properties:
            return []
        found = [f"{at}.{k}: only in the example" for k in example.keys() - answer.keys()]
        found += [f"{at}.{k}: only in the answer" for k in answer.keys() - example.keys()]
        for key in example.keys() & answer.keys():
            found += differences(example[key], answer[key], properties.get(key, {}),
                                 f"{at}.{key}")
        return found
    if isinstance(example, list) and isinstance(answer, list):
        if not (example and answer):
            return []
        return differences(example[0], answer[0], schema.get("items", {}), f"{at}[0]")
    if shape(example) != shape(answer):
        return [f"{at}: example {shape(example)}, answer {shape(answer)}"]
    return []


def _examples() -> list[tuple[str, Any, int, Any]]:
    found = []
    for operation in spec_operations():
        for code, response in operation.raw.get("responses", {}).items():
            if "$ref" in response or not str(code).startswith("2"):
                continue
            example = response.get("content", {}).get("application/json", {}).get("example")
            if example is not None:
                found.append((operation.operation_id, operation, int(code), example))
    return found


SUCCESS = _examples()
ERROR_EXAMPLES = {name: response["content"]["application/json"]["example"]
                  for name, response in api_spec().document["components"]["responses"].items()
                  if "example" in response.get("content", {}).get("application/json", {})}


@pytest.fixture(scope="module")
def shared_app() -> Flask:
    """conftest's app, with an SDK floor above the SDK a client sends, so the documented
    426 is reachable; each test gets it reset (conftest's ``app``)."""
    return create_app(make_settings(required_sdk_version="0.16.0"))


@pytest.fixture
def world(app: Flask, client: FlaskClient) -> tuple[FlaskClient, Seeds]:
    return client, Seeds(client, app)


@pytest.mark.parametrize(("operation_id", "operation", "status", "example"), SUCCESS,
                         ids=[f"{o}-{s}" for o, _, s, _ in SUCCESS])
def test_success_example_has_the_answers_shape(world: tuple[FlaskClient, Seeds],
                                               operation_id: str, operation: Any,
                                               status: int, example: Any) -> None:
    """The documented success body has the keys and types of the mock's answer to the
    operation called naturally (its own request example as the body)."""
    client, seeds = world
    answer = produce_success(operation, client, seeds)
    assert answer.status_code == status, answer.get_data(as_text=True)
    schema = operation.raw["responses"][str(status)]["content"]["application/json"]["schema"]
    assert differences(example, answer.get_json(), schema) == []


@pytest.mark.parametrize("name", sorted(ERROR_EXAMPLES))
def test_error_example_is_the_answer(world: tuple[FlaskClient, Seeds], name: str) -> None:
    """Each documented error body (code, message, details, extra fields) is exactly what
    the mock answers to the request that earns it."""
    client, seeds = world
    assert name in ERRORS, f"no natural request for the {name} example: add one to ERRORS"
    answer = ERRORS[name](client, seeds)
    documented = ERROR_EXAMPLES[name]["error"]
    assert answer.get_json()["error"] == documented, json.dumps(answer.get_json()["error"])


@pytest.mark.parametrize(("operation_id", "expected"), [
    ("delete_workflow", {"deleted": True}),
    ("check_workflow_name_availability", {"name": "Cabin announcements", "available": True}),
    ("health", None),
    ("ready", None),
])
def test_fixed_answers_equal_their_examples(world: tuple[FlaskClient, Seeds], operation_id: str,
                                           expected: Any) -> None:
    """Where the answer does not depend on the records, the example is that answer."""
    client, seeds = world
    operation = _operation(operation_id)
    example = next(e for o, _, _, e in SUCCESS if o == operation_id)
    answer = produce_success(operation, client, seeds).get_json()
    if expected is None:  # not enveloped: the whole body is fixed
        assert answer == example
        return
    assert example["data"] == expected
    assert answer["data"] == expected

