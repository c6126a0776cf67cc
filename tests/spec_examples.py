"""The natural request behind each response example in openapi.yaml.

Shared by ``tests/unit/test_spec_examples.py``, which compares each example with the
mock's answer, and ``scripts/refresh-spec-examples``, which writes the answers into the
spec. A success example is the answer to its operation called on seeded records (with the
operation's own request-body example as the body); an error example is the answer to the
request that earns that status. Every request is made on a freshly reset mock, its clock
frozen at ``FROZEN_AT``, at the address ``onepin-mock serve`` listens on by default (so
links read as a user sees them). The one part of an answer that is per request by nature
is ``meta.request_id`` (a fresh ULID each time): examples show a fixed one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from support import (
    ACME,
    ADA,
    FROZEN_AT,
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
from mockserver.world.service import control

SERVED = "http://127.0.0.1:8080"
DOCUMENTED_REQUEST_ID = "01JQ8Z3K5V6W7X8Y9ZABCDEFGH"
ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")
WORKFLOWS = "/api/v1/workflows"
INVITES = f"/api/v1/workspaces/{ACME}/invites"
ADMIN = session(ADA, ACME)  # Acme's owner and admin
# The invitee of create_invite's request example (gus@globex.example), who may accept it.
INVITEE = session(GUS)
Answer = TestResponse

# Lists whose whole answer would swamp the spec: the natural request asks for a short page
# (and the response's description says so), so the example is still the answer, unedited.
SHORT_PAGES: dict[str, dict[str, Any]] = {
    "list_workflows": {"limit": 2},
    "list_runs": {"limit": 2},
    "list_voices": {"limit": 2},
    "similar_voices": {"limit": 2},
    "get_run_data": {"limit": 2},
    "list_templates": {"limit": 1},  # a template holds a whole graph
    "usage_activity": {"limit": 2},
    "list_dictionary_entries": {"limit": 2},
}


class ServedClient(FlaskClient):
    """A test client whose requests name the address ``serve`` listens on by default."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("base_url", SERVED)
        return super().open(*args, **kwargs)


def example_app() -> Flask:
    """The app every example is produced on: strict, frozen, and with an SDK floor above the
    SDK a client sends, so the documented 426 is reachable."""
    app = create_app(make_settings(required_sdk_version="0.16.0"))
    app.testing = True
    app.test_client_class = ServedClient
    return app


def reset(app: Flask) -> None:
    """Back to the startup state (world, journal, workspaces) with the clock at FROZEN_AT."""
    engine = mock_of(app).engine
    control.reset(engine)
    control.set_clock(engine, frozen_at=FROZEN_AT)


def _ok(response: Answer) -> Any:
    assert response.status_code < 300, response.get_data(as_text=True)
    return response.get_json()["data"]


# -- seeded records the natural requests use ---------------------------------------------------


class Seeds:
    """Ids of seeded records (the same after every reset): the completed run with the
    fewest output lines and its workflow (the smallest run and graph to show), and what
    that run holds."""

    def __init__(self, client: FlaskClient, app: Flask) -> None:
        self.workflow_id, self.run_id, output = _smallest_completed_run(client)
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


def _smallest_completed_run(client: FlaskClient) -> tuple[str, str, dict[str, Any]]:
    """(workflow, run, first output with audio) of the completed run with the fewest lines."""
    found = []
    for workflow in _ok(client.get(f"{WORKFLOWS}?status=completed&limit=100", headers=KEY)):
        runs = f"{WORKFLOWS}/{workflow['id']}/runs"
        for run in _ok(client.get(f"{runs}?status=completed&limit=100", headers=KEY)):
            outputs = _ok(client.get(f"{runs}/{run['id']}/outputs", headers=KEY))["outputs"]
            with_audio = [o for o in outputs if o["lines"] and o["lines"][0]["audio_files"]]
            if with_audio:
                lines = sum(o["line_count"] for o in outputs)
                found.append((lines, workflow["id"], run["id"], with_audio[0]))
    assert found, "no seeded completed run has audio"
    _lines, workflow_id, run_id, output = min(found, key=lambda row: row[:3])
    return workflow_id, run_id, output


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


# -- natural requests for success examples ---------------------------------------------------------

Producer = Callable[[FlaskClient, Seeds, Any], Answer]


def request_example(operation: Any) -> Any:
    body = api_spec().resolve(operation.raw.get("requestBody", {}))
    media = body.get("content", {}).get("application/json", {})
    return media.get("example")


def operation_named(operation_id: str) -> Any:
    return next(op for op in spec_operations() if op.operation_id == operation_id)


def _pending_invite(client: FlaskClient) -> str:
    """An invite to Acme, pending, made with create_invite's own request example."""
    body = request_example(operation_named("create_invite"))
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
    put = client.put(created["upload_url"].removeprefix(SERVED),
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


def _query(operation: Any) -> dict[str, Any]:
    """A value for each required query parameter (its ``example``, else its default or first
    enum value; an operation with none of them fails by name: give the parameter an
    example), plus the short page a long list is shown with."""
    query = dict(SHORT_PAGES.get(operation.operation_id, {}))
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
    body = request_example(operation)
    special = SPECIAL.get(operation.operation_id)
    if special is not None:
        assert operation.operation_id not in SHORT_PAGES, "a special request sets its own page"
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
                       query_string=_query(operation),
                       json=body if body is not None else None)


# -- natural requests for error examples: the request that earns each documented error -------

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


# -- where the examples are ------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """One response example: where it sits in openapi.yaml and what earns it."""

    name: str  # "list_workflows 200" or "components/responses/NotFound"
    keys: tuple[str, ...]  # the keys from the document's root to the media type object
    status: int | None  # the status the natural request must get (None: the error's own)
    operation: Any  # the operation, for a success example
    error: str | None  # the components/responses name, for an error example

    @property
    def example(self) -> Any:
        node: Any = api_spec().document
        for key in self.keys:
            node = node[key]
        return node["example"]

    @property
    def media(self) -> dict[str, Any]:
        node: Any = api_spec().document
        for key in self.keys:
            node = node[key]
        return dict(node)


def _json_examples(response: dict[str, Any]) -> list[str]:
    """The JSON media types of a response that carry an example (an example of another
    media type would fail here by name: the comparison reads JSON)."""
    found = [media for media, body in response.get("content", {}).items() if "example" in body]
    assert all(media.endswith("json") for media in found), f"a non-JSON example: {found}"
    return found


def _site_name(prefix: str, media: str) -> str:
    return prefix if media == "application/json" else f"{prefix} {media}"


def sites() -> list[Site]:
    """Every response example: each operation's own (whatever its status) and each shared
    error response's, in every media type that has one."""
    found = []
    for operation in spec_operations():
        for code, response in operation.raw.get("responses", {}).items():
            if "$ref" in response:
                continue
            for media in _json_examples(response):
                keys = ("paths", operation.path, operation.method.lower(), "responses",
                        str(code), "content", media)
                found.append(Site(_site_name(f"{operation.operation_id} {code}", media), keys,
                                  int(code), operation, None))
    for name, response in api_spec().document["components"]["responses"].items():
        for media in _json_examples(response):
            found.append(Site(_site_name(f"components/responses/{name}", media),
                              ("components", "responses", name, "content", media),
                              None, None, name))
    return found


def natural_answer(site: Site, client: FlaskClient, seeds: Seeds) -> Answer:
    """The mock's answer to the request that earns the example."""
    if site.error is not None:
        assert site.error in ERRORS, \
            f"no natural request for the {site.error} example: add one to ERRORS"
        return ERRORS[site.error](client, seeds)
    assert str(site.status).startswith("2"), \
        f"{site.name}: a natural request for an operation's own error example is still to write"
    return produce_success(site.operation, client, seeds)


def as_documented(body: Any) -> Any:
    """The body with its per-request part replaced by the fixed value examples show."""
    if isinstance(body, dict) and isinstance(body.get("meta"), dict) and \
            "request_id" in body["meta"]:
        return {**body, "meta": {**body["meta"], "request_id": DOCUMENTED_REQUEST_ID}}
    return body


def differences(example: Any, answer: Any, at: str = "") -> list[str]:
    """Every JSON path where the example and the answer differ (value, type, a key or an
    item that only one has)."""
    if isinstance(example, dict) and isinstance(answer, dict):
        found = [f"{at}.{k}: only in the example" for k in example if k not in answer]
        found += [f"{at}.{k}: only in the answer" for k in answer if k not in example]
        for key in example:
            if key in answer:
                found += differences(example[key], answer[key], f"{at}.{key}")
        return found
    if isinstance(example, list) and isinstance(answer, list):
        found = [] if len(example) == len(answer) else \
            [f"{at}: {len(example)} items in the example, {len(answer)} in the answer"]
        for index, (mine, theirs) in enumerate(zip(example, answer, strict=False)):
            found += differences(mine, theirs, f"{at}[{index}]")
        return found
    if example == answer and type(example) is type(answer):
        return []
    return [f"{at or '.'}: example {example!r}, answer {answer!r}"]
