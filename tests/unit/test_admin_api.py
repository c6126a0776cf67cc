"""The /__mock control API (mockserver/admin-openapi.yaml) through the Flask test client.

One strict, frozen-clock app per module, reset before every test; settings that change the
app's shape (journal size, admin token, admin switched off) get their own app.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient
from support import (
    ACME,
    ADA,
    FROZEN_AT,
    GLOBEX,
    GUS,
    KEY,
    SECOND_WORKSPACE_KEY,
    assert_error,
    bearer,
    make_settings,
    ok,
)

from mockserver.app import create_app, mock_of
from mockserver.world.runs.plan import QUEUE_MS
from mockserver.world.state.store import World

WORKFLOWS = "/api/v1/workflows"
GLOBEX_KEY = bearer(SECOND_WORKSPACE_KEY)
TERMINAL = ("completed", "failed", "cancelled")
NEW_WS = "11111111-1111-4111-8111-111111111111"
NEW_USER = "22222222-2222-4222-8222-222222222222"
NEW_KEY = "op_live_loadedAtRunTime00000000000000001"
UNKNOWN = "99999999-9999-4999-8999-999999999999"
# A Globex workflow without runs whose first run's plan fails (seed 0).
GLOBEX_FAILS = "085d93f8-04b9-5685-84e1-0b1c15b7624f"




@pytest.fixture
def client(app: Flask) -> Iterator[FlaskClient]:
    with app.test_client() as test_client:
        yield test_client


def world(app: Flask) -> World:
    return mock_of(app).world  # type: ignore[no-any-return]






def names(client: FlaskClient, headers: dict[str, str] = KEY) -> list[str]:
    return [w["name"] for w in ok(client.get(f"{WORKFLOWS}?limit=100", headers=headers))]


def create_workflow(client: FlaskClient, name: str, headers: dict[str, str] = KEY) -> str:
    return str(ok(client.post(WORKFLOWS, json={"name": name}, headers=headers), 201)["id"])


def runnable_workflow(client: FlaskClient, headers: dict[str, str] = KEY) -> str:
    """A seeded workflow with a graph and no runs yet."""
    rows = ok(client.get(f"{WORKFLOWS}?limit=100&include_definition=true", headers=headers))
    return str(next(r["id"] for r in rows
                    if r["runs_count"] == 0 and r["definition"]["graph"]["nodes"]))


def start_run(client: FlaskClient, workflow_id: str, headers: dict[str, str] = KEY
              ) -> dict[str, Any]:
    run: dict[str, Any] = ok(client.post(f"{WORKFLOWS}/{workflow_id}/runs", headers=headers),
                             202)
    return run


def run_status(client: FlaskClient, run: dict[str, Any], headers: dict[str, str] = KEY) -> str:
    url = f"{WORKFLOWS}/{run['workflow_id']}/runs/{run['id']}/status"
    return str(ok(client.get(url, headers=headers))["status"])


def force(client: FlaskClient, run_id: str, **body: Any) -> Any:
    return client.post(f"/__mock/runs/{run_id}/force", json=body)


def clock(client: FlaskClient, **body: Any) -> dict[str, Any]:
    data: dict[str, Any] = ok(client.post("/__mock/clock", json=body))
    return data


def iso(instant: datetime) -> str:
    return instant.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# -- health --------------------------------------------------------------------------------------


def test_health_answers_ok(client: FlaskClient) -> None:
    """GET /__mock/health is 200 with status ok in the usual envelope."""
    body = client.get("/__mock/health").get_json()
    assert body["data"] == {"status": "ok"}
    assert body["meta"]["timestamp"] == iso(FROZEN_AT)


# -- reset ---------------------------------------------------------------------------------------


def test_reset_all_forgets_every_write(client: FlaskClient) -> None:
    """A full reset drops writes in every workspace, runtime workspaces and loaded keys."""
    # Given writes in both fixture workspaces and a runtime workspace
    seeded_acme, seeded_globex = names(client), names(client, GLOBEX_KEY)
    create_workflow(client, "Acme write")
    create_workflow(client, "Globex write", GLOBEX_KEY)
    runtime = ok(client.post("/__mock/workspaces", json={"workflow_count": 0}))
    assert ok(client.get(WORKFLOWS, headers=bearer(runtime["api_key"]))) == []
    # When everything is reset
    assert ok(client.post("/__mock/reset", json={})) == {"reset": "all"}
    # Then the seeded data is back and the runtime credentials are gone
    assert names(client) == seeded_acme
    assert names(client, GLOBEX_KEY) == seeded_globex
    assert_error(client.get(WORKFLOWS, headers=bearer(runtime["api_key"])), 401,
                 "INVALID_API_KEY")


def test_reset_one_workspace_leaves_the_others(client: FlaskClient) -> None:
    """Resetting Acme forgets Acme's write and keeps Globex's."""
    create_workflow(client, "Acme write")
    create_workflow(client, "Globex write", GLOBEX_KEY)
    assert ok(client.post("/__mock/reset", json={"workspace_id": ACME})) == {"reset": ACME}
    assert "Acme write" not in names(client)
    assert "Globex write" in names(client, GLOBEX_KEY)


def test_reset_unknown_workspace_is_404(client: FlaskClient) -> None:
    """A workspace id that no fixture defines is 404 and nothing is reset."""
    create_workflow(client, "Survivor")
    assert_error(client.post("/__mock/reset", json={"workspace_id": UNKNOWN}), 404, "NOT_FOUND")
    assert "Survivor" in names(client)


@pytest.mark.parametrize("body", [{"workspace_id": "acme"}, {"workspace": ACME}])
def test_reset_invalid_body_is_422(client: FlaskClient, body: dict[str, Any]) -> None:
    """A non-UUID workspace id or an unknown field is a 422."""
    assert_error(client.post("/__mock/reset", json=body), 422, "VALIDATION_ERROR")


# -- clock ---------------------------------------------------------------------------------------


def test_clock_get(client: FlaskClient) -> None:
    """The clock reports the frozen instant and the run speed."""
    assert ok(client.get("/__mock/clock")) == {"now": iso(FROZEN_AT), "frozen": True,
                                               "run_speed": 1.0}


def test_clock_advance_freeze_and_real(client: FlaskClient) -> None:
    """advance_seconds moves a frozen clock; freeze_at pins it; real runs on from there."""
    assert clock(client, advance_seconds=90.5)["now"] == iso(FROZEN_AT + timedelta(seconds=90.5))
    assert ok(client.get("/__mock/clock"))["now"] == iso(FROZEN_AT + timedelta(seconds=90.5))
    frozen = clock(client, freeze_at="2027-03-04T05:06:07+02:00")
    assert frozen == {"now": "2027-03-04T03:06:07.000Z", "frozen": True, "run_speed": 1.0}
    pinned = datetime(2027, 3, 4, 3, 6, 7, tzinfo=UTC)
    real = clock(client, real=True)
    assert real["frozen"] is False
    # A clock ahead of the wall clock keeps its lead: real time never takes it back.
    assert datetime.fromisoformat(real["now"]) >= pinned
    later = clock(client, advance_seconds=3600)
    assert datetime.fromisoformat(later["now"]) >= pinned + timedelta(seconds=3600)
    assert later["frozen"] is False


def test_real_time_behind_the_wall_clock_catches_up(client: FlaskClient) -> None:
    """A clock frozen in the past, set to real time, follows the wall clock (forward)."""
    before = datetime.now(UTC) - timedelta(milliseconds=1)  # "now" is shown to the ms
    real = clock(client, real=True)
    assert datetime.fromisoformat(real["now"]) >= before
    assert datetime.fromisoformat(real["now"]) > FROZEN_AT


@pytest.mark.parametrize("body", [
    {}, {"advance_seconds": -1}, {"advance_seconds": "soon"}, {"freeze_at": "yesterday"},
    {"real": False}, {"advance_seconds": 1, "real": True},
])
def test_clock_invalid_body_is_422(client: FlaskClient, body: dict[str, Any]) -> None:
    """Exactly one of advance_seconds (>= 0), freeze_at (date-time) or real: true."""
    assert_error(client.post("/__mock/clock", json=body), 422, "VALIDATION_ERROR")
    assert ok(client.get("/__mock/clock"))["now"] == iso(FROZEN_AT)


def test_run_progresses_when_the_clock_advances(client: FlaskClient) -> None:
    """A new run is pending, running past the queue time, and terminal an hour later."""
    run = start_run(client, runnable_workflow(client))
    assert run["status"] == "pending"
    clock(client, advance_seconds=QUEUE_MS / 1000 + 0.5)
    assert run_status(client, run) == "running"
    clock(client, advance_seconds=3600)
    assert run_status(client, run) in TERMINAL


def _advanced_and_forced_run(client: FlaskClient) -> dict[str, Any]:
    """Issue 24's steps: advance 600 s, start a run, force it completed."""
    clock(client, advance_seconds=600)
    run = start_run(client, runnable_workflow(client))
    ok(client.post(f"/__mock/runs/{run['id']}/force", json={"status": "completed"}))
    return run


def _read_run(client: FlaskClient, run: dict[str, Any]) -> dict[str, Any]:
    path = f"{WORKFLOWS}/{run['workflow_id']}/runs/{run['id']}"
    return ok(client.get(path, headers=KEY))  # type: ignore[no-any-return]


def test_real_time_after_an_advance_never_rewinds_a_run(client: FlaskClient) -> None:
    """After advance, start and force, real time keeps the run completed, created before
    now and completed after its creation; a new start is not refused as concurrent."""
    run = _advanced_and_forced_run(client)
    now = datetime.fromisoformat(clock(client, real=True)["now"])
    read = _read_run(client, run)
    assert read["status"] == "completed"
    created = datetime.fromisoformat(read["created_at"])
    assert created <= now <= datetime.fromisoformat(ok(client.get("/__mock/clock"))["now"])
    assert datetime.fromisoformat(read["completed_at"]) >= created
    assert start_run(client, run["workflow_id"])["status"] in ("pending", "running")


def test_real_time_keeps_the_offset_of_an_advance() -> None:
    """On a real-time clock, advance 600 s then {"real": true}: the clock keeps its 600 s
    lead (it does not jump back to the wall clock), so the forced run stays completed."""
    live = create_app(make_settings(frozen_at=None)).test_client()
    before = datetime.now(UTC) - timedelta(milliseconds=1)  # "now" is shown to the ms
    run = _advanced_and_forced_run(live)
    now = datetime.fromisoformat(clock(live, real=True)["now"])
    assert now >= before + timedelta(seconds=600)
    read = _read_run(live, run)
    assert read["status"] == "completed"
    assert datetime.fromisoformat(read["created_at"]) <= now
    assert datetime.fromisoformat(read["completed_at"]) >= datetime.fromisoformat(
        read["created_at"])


def test_freezing_before_the_latest_change_is_refused(client: FlaskClient) -> None:
    """freeze_at before the latest recorded change is 409 CONFLICT naming that change's time,
    and leaves the clock and the run as they were."""
    run = _advanced_and_forced_run(client)
    before = ok(client.get("/__mock/clock"))["now"]
    body = assert_error(client.post("/__mock/clock", json={"freeze_at": iso(FROZEN_AT)}),
                        409, "CONFLICT")
    latest = body["error"]["latest_change_at"]
    assert datetime.fromisoformat(latest) > FROZEN_AT
    assert latest in body["error"]["message"] or "reset" in body["error"]["message"]
    assert [d["field"] for d in body["error"]["details"]] == ["freeze_at"]
    assert ok(client.get("/__mock/clock"))["now"] == before
    assert _read_run(client, run)["status"] == "completed"
    assert clock(client, freeze_at=latest)["now"] == latest  # the change's own instant is fine


def test_freezing_back_with_reset_starts_over(client: FlaskClient) -> None:
    """freeze_at with reset: true is the explicit way back: the state is reset, then frozen."""
    run = _advanced_and_forced_run(client)
    assert clock(client, freeze_at=iso(FROZEN_AT), reset=True)["now"] == iso(FROZEN_AT)
    path = f"{WORKFLOWS}/{run['workflow_id']}/runs/{run['id']}"
    assert_error(client.get(path, headers=KEY), 404, "NOT_FOUND")


def test_the_kit_clock_refuses_to_rewind(client: FlaskClient) -> None:
    """Freezing the clock object directly is held to the same rule (ValueError)."""
    _advanced_and_forced_run(client)
    with pytest.raises(ValueError, match="cannot go back"):
        mock_of(client.application).world.clock.freeze_at(FROZEN_AT)


# -- journal -------------------------------------------------------------------------------------


def journal(client: FlaskClient, query: str = "") -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = ok(client.get(f"/__mock/requests{query}"))
    return entries


@pytest.fixture
def traffic(client: FlaskClient) -> list[tuple[str, str, int]]:
    """Six API calls in two workspaces (the control calls in between are not recorded)."""
    calls = [
        client.get("/api/v1/nodes"),
        client.get(f"{WORKFLOWS}?limit=2", headers=KEY),
        client.get(f"{WORKFLOWS}/{UNKNOWN}", headers=KEY),
        client.post(WORKFLOWS, json={"name": "Journaled"}, headers=KEY),
        client.get(f"{WORKFLOWS}?limit=1", headers=GLOBEX_KEY),
        client.get(f"{WORKFLOWS}/{UNKNOWN}/runs", headers=GLOBEX_KEY),
    ]
    client.get("/__mock/health")
    return [(r.request.method, r.request.path, r.status_code) for r in calls]


def test_journal_lists_api_calls_oldest_first(client: FlaskClient,
                                              traffic: list[tuple[str, str, int]]) -> None:
    """Every API call is recorded with its details; /__mock/ calls are not."""
    entries = journal(client)
    assert [(e["method"], e["path"], e["status"]) for e in entries] == traffic
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    second = entries[1]
    assert second["query"] == "limit=2" and second["operation_id"] == "list_workflows"
    assert second["workspace_id"] == ACME and second["at"] == iso(FROZEN_AT)
    assert second["request_id"] and second["duration_ms"] >= 0
    assert entries[0]["workspace_id"] is None  # public endpoint


def test_journal_request_id_matches_the_response(client: FlaskClient) -> None:
    """The journal's request_id is the response's meta.request_id."""
    meta = client.get(WORKFLOWS, headers=KEY).get_json()["meta"]
    assert journal(client)[-1]["request_id"] == meta["request_id"]


@pytest.mark.parametrize(("query", "expected"), [
    ("?method=POST", [3]),
    ("?path=/api/v1/workflows/*", [2, 5]),
    ("?path=/api/v1/workflows/*/runs", [5]),
    ("?path=/api/v1/nodes", [0]),
    ("?status=404", [2, 5]),
    (f"?workspace_id={GLOBEX}", [4, 5]),
    ("?operation_id=list_workflows", [1, 4]),
    ("?limit=2", [4, 5]),
    ("?method=GET&status=200&limit=1", [4]),
    (f"?workspace_id={ACME}&method=GET", [1, 2]),
    ("?method=DELETE", []),
])
def test_journal_filters(client: FlaskClient, traffic: list[tuple[str, str, int]], query: str,
                         expected: list[int]) -> None:
    """method, path glob, status, workspace_id, operation_id and limit narrow the journal."""
    entries = journal(client, query)
    assert [(e["method"], e["path"], e["status"]) for e in entries] == \
        [traffic[i] for i in expected]


@pytest.mark.parametrize("query", ["?method=FETCH", "?status=99", "?limit=0", "?limit=x",
                                   "?workspace_id=acme", "?path="])
def test_journal_invalid_filter_is_422(client: FlaskClient, query: str) -> None:
    """Filters outside their declared types and ranges are rejected."""
    assert_error(client.get(f"/__mock/requests{query}"), 422, "VALIDATION_ERROR")


def test_journal_is_bounded() -> None:
    """With journal_size=5 only the five newest entries are kept."""
    app = create_app(make_settings(journal_size=5))
    client = app.test_client()
    for limit in range(1, 8):
        client.get(f"{WORKFLOWS}?limit={limit}", headers=KEY)
    entries = journal(client)
    assert [e["query"] for e in entries] == [f"limit={n}" for n in range(3, 8)]
    assert [e["seq"] for e in entries] == list(range(3, 8))


def test_journal_clear(client: FlaskClient, traffic: list[tuple[str, str, int]]) -> None:
    """DELETE /__mock/requests empties the journal and says how many entries went."""
    assert ok(client.delete("/__mock/requests")) == {"deleted": len(traffic)}
    assert journal(client) == []
    client.get("/api/v1/nodes")
    assert [e["path"] for e in journal(client)] == ["/api/v1/nodes"]


# -- fixtures ------------------------------------------------------------------------------------

NEW_FIXTURES: dict[str, Any] = {
    "workspaces": [{"id": NEW_WS, "name": "Loaded Ltd", "slug": "loaded", "workflow_count": 2,
                    "credit_balance": 123}],
    "users": [{"id": NEW_USER, "name": "Lou Loaded", "email": "lou@loaded.example"}],
    "memberships": [{"workspace": NEW_WS, "user": NEW_USER, "role": "editor"},
                    {"workspace": ACME, "user": NEW_USER, "role": "viewer"}],
    "api_keys": [{"id": "33333333-3333-4333-8333-333333333333", "name": "loaded key",
                  "key": NEW_KEY, "workspace": NEW_WS, "user": NEW_USER,
                  "scopes": ["workflows:read", "workflows:write"]}],
    "workflows": [{"workspace": ACME, "id": "44444444-4444-4444-8444-444444444444",
                   "name": "Pinned at run time", "runs": [{"status": "failed"}]}],
}


def load(client: FlaskClient, document: Any, media: str) -> Any:
    if media == "application/json":
        return client.post("/__mock/fixtures", json=document)
    text = document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False)
    return client.post("/__mock/fixtures", data=text, content_type=media)


@pytest.mark.parametrize("media", ["application/yaml", "text/yaml", "application/json"])
def test_fixtures_load_is_usable_at_once(client: FlaskClient, media: str) -> None:
    """Loaded workspaces, users, keys and pins work on the very next request."""
    create_workflow(client, "Before the load")  # Acme is generated already
    assert ok(load(client, NEW_FIXTURES, media)) == {
        "workspaces": 1, "users": 1, "api_keys": 1, "workflows": 1, "uploads": 0}
    # The new key sees its two generated workflows and can write
    new_key = bearer(NEW_KEY)
    assert len(names(client, new_key)) == 2
    create_workflow(client, "Written with the loaded key", new_key)
    assert ok(client.get("/api/v1/auth/whoami", headers=new_key))["workspace_id"] == NEW_WS
    # The pinned workflow joins the already-generated Acme, next to the earlier write
    acme = names(client)
    assert "Pinned at run time" in acme and "Before the load" in acme
    runs = ok(client.get(f"{WORKFLOWS}/44444444-4444-4444-8444-444444444444/runs", headers=KEY))
    assert [r["status"] for r in runs] == ["failed"]
    # The new user is a member of both workspaces and can get a session
    token = ok(client.post("/__mock/tokens", json={"user_id": NEW_USER}))["token"]
    assert ok(client.get(WORKFLOWS, headers=bearer(token, ACME)))


BAD_DOCUMENT = textwrap.dedent(f"""\
    workspaces:
      - id: {NEW_WS}
        name: Half good
        slug: half-good
    users:
      - id: {NEW_USER}
        name: Hal
        email: hal@example.com
    memberships:
      - {{workspace: {NEW_WS}, user: {NEW_USER}, role: owner}}
    api_keys:
      - id: 33333333-3333-4333-8333-333333333333
        name: bad key
        key: op_test_notLive
        workspace: {NEW_WS}
        user: {NEW_USER}
        scopes: [workflows:read, workflows:fly]
""")


def test_fixtures_bad_document_is_422_naming_line_and_field(client: FlaskClient) -> None:
    """Every problem is listed with the line and the field; nothing is loaded."""
    before = world(client.application).fixtures
    body = assert_error(load(client, BAD_DOCUMENT, "application/yaml"), 422, "VALIDATION_ERROR")
    messages = [d["message"] for d in body["error"]["details"]]
    assert any(m.startswith("request body:10: memberships[0].role:") for m in messages), messages
    assert any(m.startswith("request body:14: api_keys[0].key:") for m in messages), messages
    assert any(m.startswith("request body:17: api_keys[0].scopes:") and "workflows:fly" in m
               for m in messages), messages
    # State unchanged: same fixtures, the valid-looking workspace does not exist
    assert world(client.application).fixtures is before
    assert_error(client.post("/__mock/reset", json={"workspace_id": NEW_WS}), 404, "NOT_FOUND")
    assert_error(client.get(WORKFLOWS, headers=bearer("op_test_notLive")), 401,
                 "INVALID_API_KEY")


@pytest.mark.parametrize(("document", "media", "expected"), [
    ("workspaces: [", "application/yaml", "not valid YAML or JSON"),
    ("- just\n- a list\n", "application/yaml", "top level must be a mapping"),
    ("robots: []\n", "text/yaml", "request body:1: robots: unknown section"),
    ({"workspaces": [{"id": "nope", "name": "x", "slug": "x"}]}, "application/json",
     "workspaces[0].id: 'nope' is not a UUID"),
    ({"workflows": [{"workspace": UNKNOWN, "name": "Orphan"}]}, "application/json",
     "workflows[0].workspace: unknown workspace"),
    ({"workflows": [{"workspace": ACME, "name": 5}]}, "application/json",
     "workflows[0].name: 5 is not of type 'string'"),
    ({"workflows": [{"workspace": ACME, "runs": [{"status": "exploded"}]}]},
     "application/json", "workflows[0].runs[0].status: must be one of"),
])
def test_fixtures_rejected_documents(client: FlaskClient, document: Any, media: str,
                                     expected: str) -> None:
    """Malformed or invalid documents are 422 with the problem named, and change nothing."""
    before = world(client.application).fixtures
    body = assert_error(load(client, document, media), 422, "VALIDATION_ERROR")
    assert any(expected in d["message"] for d in body["error"]["details"]), body
    assert world(client.application).fixtures is before


@pytest.mark.parametrize("text", ["", "null\n", "[]\n", "0\n", "false\n"])
def test_fixtures_falsy_yaml_body_is_422(client: FlaskClient, text: str) -> None:
    """A YAML body must be a mapping: empty, null, a list or a scalar is 422."""
    assert_error(load(client, text, "application/yaml"), 422, "VALIDATION_ERROR")


def test_fixtures_json_body_must_be_an_object(client: FlaskClient) -> None:
    """A JSON array body fails request validation."""
    assert_error(client.post("/__mock/fixtures", json=[1, 2]), 422, "VALIDATION_ERROR")


def test_fixtures_json_errors_name_the_clients_line(client: FlaskClient) -> None:
    """Line numbers of a pretty-printed JSON document are the document's own."""
    document = {"workspaces": [{"id": NEW_WS, "slug": "s", "name": "n"}],
                "api_keys": [{"id": UNKNOWN, "name": "k", "key": "op_test_x",
                              "workspace": NEW_WS, "user": NEW_USER, "scopes": []}]}
    text = json.dumps(document, indent=2)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "op_test_x" in row)
    body = client.post("/__mock/fixtures", data=text, content_type="application/json").get_json()
    assert any(d["message"].startswith(f"request body:{line}: api_keys[0].key")
               for d in body["error"]["details"]), body


# -- state export --------------------------------------------------------------------------------


def run_statuses(client: FlaskClient, headers: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    return {w["id"]: [(r["id"], r["status"]) for r in ok(client.get(
        f"{WORKFLOWS}/{w['id']}/runs?limit=100", headers=headers))]
        for w in ok(client.get(f"{WORKFLOWS}?limit=100", headers=headers))}


def seeded_run(client: FlaskClient, status: str, headers: dict[str, str] = KEY
               ) -> dict[str, Any]:
    """A seeded run (created before the dataset epoch) whose workflow's latest is ``status``."""
    rows = ok(client.get(f"{WORKFLOWS}?limit=100", headers=headers))
    workflow = next(r for r in rows if r["last_run_status"] == status
                    and r["last_run_at"] < iso(FROZEN_AT))
    run: dict[str, Any] = ok(client.get(
        f"{WORKFLOWS}/{workflow['id']}/runs?status={status}&limit=1", headers=headers))[0]
    return {**run, "workflow_id": workflow["id"]}


def export_and_reload(client: FlaskClient, tmp_path: Path) -> FlaskClient:
    """GET /__mock/state, written to a file that a new app uses as its fixtures."""
    response = client.get("/__mock/state")
    assert response.status_code == 200 and response.content_type == "application/yaml"
    path = tmp_path / "state.yaml"
    path.write_bytes(response.data)
    return create_app(make_settings(fixtures_path=path)).test_client()


def test_state_export_round_trip(client: FlaskClient, tmp_path: Path) -> None:
    """An export loaded as the fixtures of a new app gives the same workflows and runs."""
    # Given writes, a started run and forced seeded runs in both workspaces
    create_workflow(client, "Exported write")
    delete_me = create_workflow(client, "Deleted before export", GLOBEX_KEY)
    ok(client.delete(f"{WORKFLOWS}/{delete_me}", headers=GLOBEX_KEY))
    started = start_run(client, runnable_workflow(client))
    running, pending = seeded_run(client, "running"), seeded_run(client, "pending")
    assert ok(force(client, running["id"], status="paused"))["status"] == "paused"
    assert ok(force(client, pending["id"], status="cancelled"))["status"] == "cancelled"
    # When the state is exported and loaded by a new app
    copy = export_and_reload(client, tmp_path)
    # Then every list and every run status is the same
    for headers in (KEY, GLOBEX_KEY):
        assert ok(copy.get(f"{WORKFLOWS}?limit=100", headers=headers)) == \
            ok(client.get(f"{WORKFLOWS}?limit=100", headers=headers))
        assert run_statuses(copy, headers) == run_statuses(client, headers)
    assert [run_status(copy, r) for r in (started, running, pending)] == \
        ["pending", "paused", "cancelled"]
    assert "Deleted before export" not in names(copy, GLOBEX_KEY)


@pytest.mark.parametrize("target", ["running", "paused", "completed"])
def test_state_export_round_trip_of_a_fresh_run(client: FlaskClient, tmp_path: Path,
                                               target: str) -> None:
    """A run started and forced just before the export keeps its status after a reload."""
    run = start_run(client, runnable_workflow(client))
    assert ok(force(client, run["id"], status=target))["status"] == target
    assert run_status(export_and_reload(client, tmp_path), run) == target


OPS = "e1365c5b-aa80-595b-82fb-d859c47a9686"  # Globex editor without a display name


def test_state_export_of_one_workspace(client: FlaskClient) -> None:
    """?workspace_id limits the document to that workspace, its members and keys."""
    document = yaml.safe_load(client.get(f"/__mock/state?workspace_id={GLOBEX}").data)
    assert [w["id"] for w in document["workspaces"]] == [GLOBEX]
    assert document["workspaces"][0]["workflow_count"] == 0
    assert {u["id"] for u in document["users"]} == {GUS, ADA, OPS}
    assert {k["key"] for k in document["api_keys"]} == {SECOND_WORKSPACE_KEY}
    assert {w["workspace"] for w in document["workflows"]} == {GLOBEX}
    assert len(document["workflows"]) == 25


def test_state_export_unknown_workspace_is_404(client: FlaskClient) -> None:
    """An unknown workspace id is 404; a malformed one 422."""
    assert_error(client.get(f"/__mock/state?workspace_id={UNKNOWN}"), 404, "NOT_FOUND")
    assert_error(client.get("/__mock/state?workspace_id=globex"), 422, "VALIDATION_ERROR")


# -- tokens --------------------------------------------------------------------------------------


def test_minted_token_works_with_a_workspace_header(client: FlaskClient) -> None:
    """A session JWT for Ada lists Acme's workflows with X-Workspace-Id."""
    data = ok(client.post("/__mock/tokens", json={"user_id": ADA}))
    assert data["expires_at"] == iso(FROZEN_AT + timedelta(hours=1))
    assert names(client, bearer(data["token"], ACME)) == names(client)
    who = ok(client.get("/api/v1/auth/whoami", headers=bearer(data["token"])))
    assert who["auth_kind"] != "api_key" and who["user_id"] == ADA


def test_minted_token_expires_after_its_ttl(client: FlaskClient) -> None:
    """ttl_seconds sets expires_at; past it the token is refused."""
    data = ok(client.post("/__mock/tokens", json={"user_id": GUS, "ttl_seconds": 60}))
    assert data["expires_at"] == iso(FROZEN_AT + timedelta(seconds=60))
    headers = bearer(data["token"], GLOBEX)
    assert ok(client.get(WORKFLOWS, headers=headers))
    clock(client, advance_seconds=61)
    assert_error(client.get(WORKFLOWS, headers=headers), 401, "INVALID_API_KEY")


@pytest.mark.parametrize(("body", "status"), [
    ({"user_id": UNKNOWN}, 404), ({"user_id": "ada"}, 422), ({}, 422),
    ({"user_id": ADA, "ttl_seconds": 0}, 422), ({"user_id": ADA, "role": "admin"}, 422),
])
def test_tokens_rejects(client: FlaskClient, body: dict[str, Any], status: int) -> None:
    """Unknown users are 404; malformed requests 422."""
    code = "NOT_FOUND" if status == 404 else "VALIDATION_ERROR"
    assert_error(client.post("/__mock/tokens", json=body), status, code)


# -- workspaces ----------------------------------------------------------------------------------


def test_workspaces_create(client: FlaskClient) -> None:
    """A runtime workspace comes with an admin user and an all-scopes key, isolated."""
    first = ok(client.post("/__mock/workspaces", json={}))
    assert set(first) == {"workspace_id", "name", "user_id", "api_key", "api_key_id", "scopes"}
    assert len(first["scopes"]) == 11
    headers = bearer(first["api_key"])
    assert len(names(client, headers)) == 25
    create_workflow(client, "Only in the runtime workspace", headers)
    second = ok(client.post("/__mock/workspaces", json={"name": "Second", "workflow_count": 0,
                                                        "credit_balance": 5,
                                                        "concurrent_run_limit": 1}))
    assert second["name"] == "Second" and second["workspace_id"] != first["workspace_id"]
    assert names(client, bearer(second["api_key"])) == []
    assert "Only in the runtime workspace" not in names(client)
    token = ok(client.post("/__mock/tokens", json={"user_id": first["user_id"]}))["token"]
    assert "Only in the runtime workspace" in names(client, bearer(token,
                                                                   first["workspace_id"]))


@pytest.mark.parametrize("body", [{"workflow_count": -1}, {"name": ""}, {"colour": "red"},
                                  {"concurrent_run_limit": 0}, {"workflow_count": 50001},
                                  {"runs_per_workflow": 1001}])
def test_workspaces_create_rejects_bad_options(client: FlaskClient, body: dict[str, Any]) -> None:
    """Options outside their declared ranges, or unknown, are 422."""
    assert_error(client.post("/__mock/workspaces", json=body), 422, "VALIDATION_ERROR")


# -- forcing runs --------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["running", "paused", "completed", "failed", "cancelled"])
def test_force_a_pending_run(client: FlaskClient, target: str) -> None:
    """A pending run can be driven to every status, and the API agrees afterwards."""
    run = start_run(client, runnable_workflow(client))
    forced = ok(force(client, run["id"], status=target))
    assert forced["status"] == target and forced["id"] == run["id"]
    assert run_status(client, run) == target


def test_force_keeps_the_given_error_and_pause_reason(client: FlaskClient) -> None:
    """pause_reason and error are shown on the forced run."""
    run = start_run(client, runnable_workflow(client))
    paused = ok(force(client, run["id"], status="paused", pause_reason="provider_outage"))
    assert paused["pause_reason"] == "provider_outage" and paused["pause_error"]
    failed = ok(force(client, run["id"], status="failed", error="Speaker caught fire"))
    assert failed["error"] == "Speaker caught fire" and failed["completed_at"] == iso(FROZEN_AT)


def test_force_same_status_is_a_no_op(client: FlaskClient) -> None:
    """Forcing the status a run already has answers 200 with the run unchanged."""
    run = start_run(client, runnable_workflow(client))
    assert ok(force(client, run["id"], status="running"))["status"] == "running"
    assert ok(force(client, run["id"], status="running"))["status"] == "running"


@pytest.mark.parametrize("terminal", TERMINAL)
@pytest.mark.parametrize("target", ["running", "paused", "completed", "failed", "cancelled"])
def test_force_from_a_terminal_run_is_409(client: FlaskClient, terminal: str,
                                          target: str) -> None:
    """A finished run stays finished: any other status is 409, the same one a no-op."""
    run = start_run(client, runnable_workflow(client))
    ok(force(client, run["id"], status=terminal))
    response = force(client, run["id"], status=target)
    if target == terminal:
        assert ok(response)["status"] == terminal
    else:
        assert_error(response, 409, "CONFLICT")
        assert run_status(client, run) == terminal


def test_force_completed_on_a_run_planned_to_fail(client: FlaskClient) -> None:
    """Completing a run whose plan fails gives a completed run, which stays completed."""
    run = start_run(client, GLOBEX_FAILS, GLOBEX_KEY)
    found = world(client.application).find_run(run["id"])
    assert found is not None and found[1].plan.fails  # the premise
    done = ok(force(client, run["id"], status="completed"))
    assert done["status"] == "completed" and done["error"] is None
    clock(client, advance_seconds=3600)
    assert run_status(client, run, GLOBEX_KEY) == "completed"


def test_force_unknown_run_is_404_and_bad_status_422(client: FlaskClient) -> None:
    """An unknown run is 404; a status outside the enum (e.g. pending) is 422."""
    assert_error(force(client, UNKNOWN, status="completed"), 404, "NOT_FOUND")
    run = start_run(client, runnable_workflow(client))
    assert_error(force(client, run["id"], status="pending"), 422, "VALIDATION_ERROR")
    assert_error(force(client, run["id"]), 422, "VALIDATION_ERROR")


def test_force_a_run_of_a_workspace_not_generated_yet(client: FlaskClient) -> None:
    """A valid run id is found even if its workspace has not been touched since the reset."""
    rows = ok(client.get(f"{WORKFLOWS}?limit=100", headers=GLOBEX_KEY))
    workflow = next(r for r in rows if r["runs_count"])
    run = ok(client.get(f"{WORKFLOWS}/{workflow['id']}/runs", headers=GLOBEX_KEY))[0]
    ok(client.post("/__mock/reset", json={}))
    assert force(client, run["id"], status="cancelled").status_code in (200, 409)


# -- admin token and switching the control API off -----------------------------------------------

ADMIN_CALLS = [
    ("POST", "/__mock/reset", None),
    ("GET", "/__mock/clock", None),
    ("POST", "/__mock/clock", {"advance_seconds": 1}),
    ("GET", "/__mock/requests", None),
    ("DELETE", "/__mock/requests", None),
    ("POST", "/__mock/fixtures", {}),
    ("GET", "/__mock/state", None),
    ("POST", "/__mock/tokens", {"user_id": ADA}),
    ("POST", "/__mock/workspaces", None),
    ("POST", f"/__mock/runs/{UNKNOWN}/force", {"status": "completed"}),
    ("GET", "/__mock/faults", None),
    ("POST", "/__mock/faults", {"delay_ms": 0}),
]


@pytest.fixture(scope="module")
def guarded() -> FlaskClient:
    app = create_app(make_settings(admin_token="s3cret"))
    return app.test_client()


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_CALLS)
def test_admin_token_is_required(guarded: FlaskClient, method: str, path: str,
                                 body: Any) -> None:
    """With admin_token set, every control call needs the exact X-Mock-Admin-Token."""
    for headers in ({}, {"X-Mock-Admin-Token": "wrong"}, {"X-Mock-Admin-Token": "s3cret "}):
        assert_error(guarded.open(path, method=method, json=body, headers=headers), 401,
                     "INVALID_API_KEY")
    allowed = guarded.open(path, method=method, json=body,
                           headers={"X-Mock-Admin-Token": "s3cret"})
    assert allowed.status_code in (200, 404), allowed.get_data(as_text=True)


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/__mock/clock", {"advance_seconds": "soon"}),
    ("GET", "/__mock/requests?limit=0", None),
])
def test_admin_token_is_checked_before_validation(guarded: FlaskClient, method: str, path: str,
                                                  body: Any) -> None:
    """Without the token a malformed control call is 401, not a 422 describing the input."""
    assert_error(guarded.open(path, method=method, json=body), 401, "INVALID_API_KEY")


def test_admin_token_leaves_health_and_files_open(guarded: FlaskClient) -> None:
    """Health and signed file links need no admin token."""
    assert ok(guarded.get("/__mock/health")) == {"status": "ok"}
    url = upload_link(guarded)
    assert guarded.get(url).status_code == 200


@pytest.mark.parametrize("path", ["/__mock/health", "/__mock/clock", "/__mock/requests",
                                  "/__mock/state", "/__mock/", "/__mock/faults"])
def test_admin_disabled_means_no_control_routes(path: str) -> None:
    """With admin_enabled=False the /__mock/ routes do not exist (404 envelope)."""
    client = create_app(make_settings(admin_enabled=False)).test_client()
    assert_error(client.get(path), 404, "NOT_FOUND")
    assert_error(client.post("/__mock/reset"), 404, "NOT_FOUND")
    assert ok(client.get(WORKFLOWS, headers=KEY))  # the API itself still works


# -- signed files --------------------------------------------------------------------------------


def upload_link(client: FlaskClient, headers: dict[str, str] = KEY) -> str:
    """The path of a seeded upload's signed download link."""
    for row in ok(client.get(f"{WORKFLOWS}?limit=100", headers=headers)):
        uploads = ok(client.get(f"{WORKFLOWS}/{row['id']}/uploads", headers=headers))
        if uploads:
            url: str = uploads[0]["download_url"]
            return url[url.index("/files/"):]
    raise AssertionError("no seeded upload")


def test_signed_file_is_served(client: FlaskClient) -> None:
    """A fresh link serves the file as an attachment without any credential."""
    response = client.get(upload_link(client))
    assert response.status_code == 200 and response.data
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"


def tampered(path: str) -> str:
    token = path.removeprefix("/files/")
    body, _, signature = token.rpartition(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return f"/files/{body}.{flipped}"


def test_signed_file_tampered_or_expired_is_403(client: FlaskClient) -> None:
    """A changed signature, garbage, or a link past its 15 minutes is 403."""
    path = upload_link(client)
    assert_error(client.get(tampered(path)), 403, "FORBIDDEN")
    assert_error(client.get("/files/not-a-token"), 403, "FORBIDDEN")
    clock(client, advance_seconds=899)
    assert client.get(path).status_code == 200
    clock(client, advance_seconds=1)
    assert_error(client.get(path), 403, "FORBIDDEN")


def test_signed_file_of_a_vanished_workspace_is_403(client: FlaskClient) -> None:
    """A link into a runtime workspace that a reset removed is refused like a bad link."""
    created = ok(client.post("/__mock/workspaces", json={}))
    path = upload_link(client, bearer(created["api_key"]))
    ok(client.post("/__mock/reset", json={}))
    assert_error(client.get(path), 403, "FORBIDDEN")


def test_full_reset_restores_the_startup_clock(client: FlaskClient) -> None:
    """A full reset also puts the clock back where the settings started it."""
    clock(client, advance_seconds=3600)
    assert ok(client.post("/__mock/reset", json={}))
    assert ok(client.get("/__mock/clock"))["now"] == iso(FROZEN_AT)


# -- the console's run picker and journal exclusion -----------------------------------------------


def test_recent_runs_are_newest_first_a_few_per_workflow(client: FlaskClient) -> None:
    """GET /__mock/runs lists built runs only (nothing before use), newest first, at most
    per_workflow of each workflow, with their status now."""
    assert ok(client.get("/__mock/runs")) == []
    run = start_run(client, runnable_workflow(client))
    listed = ok(client.get("/__mock/runs?per_workflow=2&limit=50"))
    assert listed[0]["run_id"] == run["id"] and listed[0]["status"] == "pending"
    created = [row["created_at"] for row in listed]
    assert created == sorted(created, reverse=True)
    per_workflow: dict[str, int] = {}
    for row in listed:
        per_workflow[row["workflow_id"]] = per_workflow.get(row["workflow_id"], 0) + 1
    assert max(per_workflow.values()) <= 2
    ok(client.post(f"/__mock/runs/{run['id']}/force", json={"status": "paused"}))
    assert ok(client.get("/__mock/runs?limit=1"))[0]["status"] == "paused"


def test_the_journal_can_leave_out_path_prefixes(client: FlaskClient) -> None:
    """exclude_path drops entries whose path starts with it (comma-separated for several)."""
    client.get(WORKFLOWS, headers=KEY)
    client.get("/api/v1/nodes")
    client.get("/files/not-a-real-token")
    paths = [e["path"] for e in journal(client, "?exclude_path=/files/")]
    assert paths == [WORKFLOWS, "/api/v1/nodes"]
    assert [e["path"] for e in journal(client, "?exclude_path=/files/,/api/v1/nodes")] == [
        WORKFLOWS]
