"""Rejected writes change nothing, and concurrent writes neither double-start nor lose data."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import (
    ACME,
    DEMO_KEY,
    FROZEN_AT,
    KEY,
    READ_ONLY_KEY,
    SECOND_WORKSPACE_KEY,
    VERA,
    bearer,
    make_settings,
    ok,
    session,
)

from mockserver.app import mock_of
from mockserver.testing import MockServer
from mockserver.world.service import control as mock_control

WORKFLOWS = "/api/v1/workflows"
GLOBEX_KEY = bearer(SECOND_WORKSPACE_KEY)
VIEWER = session(VERA, ACME)
READ_ONLY = bearer(READ_ONLY_KEY)
EMPTY_GRAPH = {"graph": {"nodes": [], "edges": []}, "execution": {}}
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"

# Seeded workflows (seed 0, default fixtures). Acme allows 5 concurrent runs; Globex allows 2
# and already has one seeded active run.
FAST = "05981b07-1fd4-5c7d-b788-d10a2b7af77d"  # Acme, no runs, ~12 s of run time
OTHER = "b6a24bb1-6737-54c8-bc08-d5cae8ce1673"  # Acme, description, 2 finished runs
GLOBEX_A = "d6bc1d00-db67-5e36-aa23-c0db341df9d7"  # Globex, no runs
GLOBEX_B = "200624e9-6c1d-5a89-bd38-00b93f280f2e"  # Globex, 4 completed runs
GLOBEX_WIDE = "c4e89d34-4568-5f2c-b298-56cb8060a97e"  # Globex, 4 locales
GLOBEX_IDS = (GLOBEX_A, GLOBEX_B, GLOBEX_WIDE)




# -- helpers ----------------------------------------------------------------------------------




def advance(app: Flask, seconds: float) -> None:
    mock_of(app).world.clock.advance(seconds)


def runs_url(workflow_id: str, run_id: str | None = None, suffix: str = "") -> str:
    url = f"{WORKFLOWS}/{workflow_id}/runs"
    return f"{url}/{run_id}{suffix}" if run_id else url


def without_meta(response: Any) -> tuple[int, Any]:
    body = response.get_json()
    return response.status_code, {k: v for k, v in body.items() if k != "meta"}


def snapshot(client: FlaskClient, workflow_ids: tuple[str, ...]) -> dict[str, Any]:
    """Everything a rejected write could have touched, minus `meta`.

    The workflow list of Acme (and of Globex when a Globex workflow is involved), and each
    listed workflow with its runs: list, detail, steps and outputs.
    """
    state: dict[str, Any] = {}
    workspaces = [KEY] + ([GLOBEX_KEY] if set(workflow_ids) & set(GLOBEX_IDS) else [])
    for headers in workspaces:
        state[headers["Authorization"]] = without_meta(
            client.get(f"{WORKFLOWS}?limit=100&include_definition=true", headers=headers))
    for workflow_id in workflow_ids:
        headers = GLOBEX_KEY if workflow_id in GLOBEX_IDS else KEY
        state[workflow_id] = without_meta(client.get(f"{WORKFLOWS}/{workflow_id}",
                                                     headers=headers))
        runs = client.get(runs_url(workflow_id) + "?limit=100", headers=headers)
        state[f"{workflow_id}/runs"] = without_meta(runs)
        for run in (runs.get_json().get("data") or []):
            for suffix in ("", "/steps", "/outputs"):
                state[f"{workflow_id}/{run['id']}{suffix}"] = without_meta(
                    client.get(runs_url(workflow_id, run["id"], suffix), headers=headers))
    return state


def start(client: FlaskClient, workflow_id: str, headers: dict[str, str] = KEY) -> dict[str, Any]:
    run: dict[str, Any] = ok(client.post(runs_url(workflow_id), headers=headers), 202)
    return run


def control(client: FlaskClient, run: dict[str, Any], action: str,
            headers: dict[str, str] = KEY) -> Any:
    return client.post(runs_url(run["workflow_id"], run["id"], f"/{action}"), headers=headers)


def definition_of(client: FlaskClient, workflow_id: str = FAST) -> dict[str, Any]:
    definition: dict[str, Any] = ok(client.get(f"{WORKFLOWS}/{workflow_id}",
                                               headers=KEY))["definition"]
    return copy.deepcopy(definition)


def broken_definition(client: FlaskClient, how: str) -> dict[str, Any]:
    d = definition_of(client)
    nodes, edges = d["graph"]["nodes"], d["graph"]["edges"]
    if how == "unknown type":
        nodes[1]["type"] = "operator_teleporter"
    elif how == "dangling edge":
        edges[0]["target"] = "ghost"
    elif how == "duplicate node id":
        nodes.append({**nodes[1], "position": {"x": 5, "y": 5}})
    elif how == "duplicate edge id":
        edges[1]["id"] = edges[0]["id"]
    elif how == "unknown port":
        edges[0]["sourcePort"] = "nope"
    return d


def create(client: FlaskClient, definition: dict[str, Any] | None) -> str:
    body: dict[str, Any] = {"name": "Safety"}
    if definition is not None:
        body["definition"] = definition
    workflow_id: str = ok(client.post(WORKFLOWS, json=body, headers=KEY), 201)["id"]
    return workflow_id


# -- rejected requests -------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejected:
    """A request that must be refused; `setup` prepares the world and returns (ids, request)."""

    status: int
    setup: Callable[[FlaskClient, Flask], tuple[tuple[str, ...], Callable[[], Any]]]


def _fixed(status: int, method: str, url: str, headers: dict[str, str] = KEY,
           json: Any = None, ids: tuple[str, ...] = (FAST, OTHER)) -> Rejected:
    def setup(client: FlaskClient, app: Flask) -> tuple[tuple[str, ...], Callable[[], Any]]:
        return ids, lambda: client.open(url, method=method, headers=headers, json=json)
    return Rejected(status, setup)


def _broken_write(method: str, how: str) -> Rejected:
    def setup(client: FlaskClient, app: Flask) -> tuple[tuple[str, ...], Callable[[], Any]]:
        body = {"name": "Broken", "definition": broken_definition(client, how)}
        url = WORKFLOWS if method == "POST" else f"{WORKFLOWS}/{FAST}"
        return (FAST,), lambda: client.open(url, method=method, headers=KEY, json=body)
    return Rejected(422, setup)


def _start_refused(definition: Callable[[FlaskClient], dict[str, Any] | None],
                   body: dict[str, Any] | None = None) -> Rejected:
    def setup(client: FlaskClient, app: Flask) -> tuple[tuple[str, ...], Callable[[], Any]]:
        workflow_id = create(client, definition(client))
        return (workflow_id,), lambda: client.post(runs_url(workflow_id), json=body,
                                                    headers=KEY)
    return Rejected(422, setup)


def _two_sources(client: FlaskClient) -> dict[str, Any]:
    d = definition_of(client)
    source = next(n for n in d["graph"]["nodes"] if n["type"] == "source_script")
    d["graph"]["nodes"].append({**source, "id": "source_2"})
    d["graph"]["edges"].append({**d["graph"]["edges"][0], "id": "edge_s2", "source": "source_2"})
    return d


def _without(node_type: str) -> Callable[[FlaskClient], dict[str, Any]]:
    def make(client: FlaskClient) -> dict[str, Any]:
        d = definition_of(client)
        gone = {n["id"] for n in d["graph"]["nodes"] if n["type"] == node_type}
        d["graph"]["nodes"] = [n for n in d["graph"]["nodes"] if n["id"] not in gone]
        d["graph"]["edges"] = [e for e in d["graph"]["edges"]
                               if not {e["source"], e["target"]} & gone]
        d["execution"] = {}
        return d
    return make


def _empty_script(client: FlaskClient) -> dict[str, Any]:
    d = definition_of(client)
    for node in d["graph"]["nodes"]:
        if node["type"] == "source_script":
            node["config"]["text"] = ""
    return d


def _on_run(status: int, state: str, action: str, headers: dict[str, str] = KEY) -> Rejected:
    """`action` on a run of FAST brought to `state` first."""
    def setup(client: FlaskClient, app: Flask) -> tuple[tuple[str, ...], Callable[[], Any]]:
        run = start(client, FAST)
        if state == "running":
            advance(app, 2)
        elif state == "draining":
            advance(app, 2)
            ok(control(client, run, "pause"))
        elif state == "paused":
            ok(control(client, run, "pause"))
        elif state == "cancelled":
            ok(control(client, run, "cancel"))
        elif state == "completed":
            advance(app, 600)
        if action == "start":
            return (FAST,), lambda: client.post(runs_url(FAST), headers=headers)
        return (FAST,), lambda: control(client, run, action, headers)
    return Rejected(status, setup)


def _resume_blocked_by_sibling() -> Rejected:
    def setup(client: FlaskClient, app: Flask) -> tuple[tuple[str, ...], Callable[[], Any]]:
        paused = start(client, FAST)
        ok(control(client, paused, "pause"))
        start(client, FAST)
        return (FAST,), lambda: control(client, paused, "resume")
    return Rejected(409, setup)


def _globex_limit(action: str) -> Rejected:
    def setup(client: FlaskClient, app: Flask) -> tuple[tuple[str, ...], Callable[[], Any]]:
        paused = start(client, GLOBEX_A, GLOBEX_KEY)
        ok(control(client, paused, "pause", GLOBEX_KEY))
        start(client, GLOBEX_B, GLOBEX_KEY)  # with the seeded active run: at the limit of 2
        if action == "resume":
            return (GLOBEX_A, GLOBEX_B), lambda: control(client, paused, "resume", GLOBEX_KEY)
        return (GLOBEX_A, GLOBEX_B, GLOBEX_WIDE), lambda: client.post(
            runs_url(GLOBEX_WIDE), headers=GLOBEX_KEY)
    return Rejected(409, setup)


def _too_few_credits() -> Rejected:
    script = ("Hello world this is a line of a long script. " * 10 + "\n") * 300
    return _fixed(402, "POST", runs_url(GLOBEX_WIDE), GLOBEX_KEY, {"script_text": script},
                  ids=(GLOBEX_WIDE,))


def _other_workflows_run(action: str) -> Rejected:
    """A run addressed under the wrong workflow is 404."""
    def setup(client: FlaskClient, app: Flask) -> tuple[tuple[str, ...], Callable[[], Any]]:
        run = start(client, FAST)
        return (FAST, OTHER), lambda: client.post(runs_url(OTHER, run["id"], f"/{action}"),
                                                  headers=KEY)
    return Rejected(404, setup)


def _deleted(method: str, suffix: str, json: Any = None) -> Rejected:
    def setup(client: FlaskClient, app: Flask) -> tuple[tuple[str, ...], Callable[[], Any]]:
        ok(client.delete(f"{WORKFLOWS}/{OTHER}", headers=KEY))
        return (FAST, OTHER), lambda: client.open(f"{WORKFLOWS}/{OTHER}{suffix}", method=method,
                                                  headers=KEY, json=json)
    return Rejected(404, setup)


REJECTED: dict[str, Rejected] = {
    # 422: bad bodies and graphs
    **{f"422 {m} {how}": _broken_write(m, how)
       for m, how in (("POST", "unknown type"), ("PUT", "dangling edge"),
                      ("PATCH", "duplicate node id"), ("POST", "duplicate edge id"),
                      ("PUT", "unknown port"), ("PATCH", "unknown type"))},
    "422 create blank name": _fixed(422, "POST", WORKFLOWS, json={"name": "  "}),
    "422 create long description": _fixed(422, "POST", WORKFLOWS,
                                          json={"name": "x", "description": "d" * 5001}),
    "422 put without definition": _fixed(422, "PUT", f"{WORKFLOWS}/{OTHER}",
                                         json={"name": "x"}),
    "422 put without name": _fixed(422, "PUT", f"{WORKFLOWS}/{OTHER}",
                                   json={"definition": EMPTY_GRAPH}),
    "422 patch empty": _fixed(422, "PATCH", f"{WORKFLOWS}/{OTHER}", json={}),
    "422 patch blank name": _fixed(422, "PATCH", f"{WORKFLOWS}/{OTHER}",
                                   json={"name": " ", "description": "kept?"}),
    "422 patch name and bad graph": _fixed(422, "PATCH", f"{WORKFLOWS}/{OTHER}",
                                           json={"name": "New", "description": None,
                                                 "definition": {"graph": {"nodes": [1]}}}),
    "422 non-uuid workflow id": _fixed(422, "PATCH", f"{WORKFLOWS}/not-a-uuid",
                                       json={"name": "x"}),
    "422 start overrides with two sources": _start_refused(_two_sources, {"script_text": "x"}),
    "422 start without source": _start_refused(_without("source_script")),
    "422 start without sink": _start_refused(_without("sink_preview")),
    "422 start empty graph": _start_refused(lambda client: None),
    "422 start empty script": _start_refused(_empty_script),
    "422 start empty override": _start_refused(_empty_script, {"script_text": ""}),
    # 402
    "402 start with too few credits": _too_few_credits(),
    # 403: roles and scopes
    **{f"403 {who} {name}": _fixed(403, method, url, headers, json)
       for who, headers in (("viewer", VIEWER), ("read-only key", READ_ONLY))
       for name, method, url, json in (
           ("create", "POST", WORKFLOWS, {"name": "x"}),
           ("put", "PUT", f"{WORKFLOWS}/{OTHER}", {"name": "x", "definition": EMPTY_GRAPH}),
           ("patch", "PATCH", f"{WORKFLOWS}/{OTHER}", {"description": None}),
           ("delete", "DELETE", f"{WORKFLOWS}/{OTHER}", None),
           ("duplicate", "POST", f"{WORKFLOWS}/{OTHER}/duplicate", None),
           ("start", "POST", runs_url(FAST), None),
       )},
    **{f"403 {who} {action}": _on_run(403, state, action, headers)
       for who, headers in (("viewer", VIEWER), ("read-only key", READ_ONLY))
       for state, action in (("running", "cancel"), ("running", "pause"),
                             ("paused", "resume"))},
    "403 key of another workspace": _fixed(403, "PATCH", f"{WORKFLOWS}/{OTHER}",
                                           bearer(DEMO_KEY, "bb5d5247-2d7a-5b92-b9d9-fb02ccb411fb"),
                                           {"name": "x"}),
    # 404: unknown, deleted, foreign
    "404 patch unknown": _fixed(404, "PATCH", f"{WORKFLOWS}/{UNKNOWN_ID}", json={"name": "x"}),
    "404 put unknown": _fixed(404, "PUT", f"{WORKFLOWS}/{UNKNOWN_ID}",
                              json={"name": "x", "definition": EMPTY_GRAPH}),
    "404 delete unknown": _fixed(404, "DELETE", f"{WORKFLOWS}/{UNKNOWN_ID}"),
    "404 duplicate unknown": _fixed(404, "POST", f"{WORKFLOWS}/{UNKNOWN_ID}/duplicate"),
    "404 start unknown": _fixed(404, "POST", runs_url(UNKNOWN_ID)),
    "404 cancel unknown run": _fixed(404, "POST", runs_url(FAST, UNKNOWN_ID, "/cancel")),
    "404 globex workflow with acme key": _fixed(404, "PATCH", f"{WORKFLOWS}/{GLOBEX_A}",
                                                json={"name": "x"}, ids=(GLOBEX_A,)),
    "404 cancel under another workflow": _other_workflows_run("cancel"),
    "404 pause under another workflow": _other_workflows_run("pause"),
    "404 patch deleted": _deleted("PATCH", "", {"name": "x"}),
    "404 put deleted": _deleted("PUT", "", {"name": "x", "definition": EMPTY_GRAPH}),
    "404 delete deleted": _deleted("DELETE", ""),
    "404 start deleted": _deleted("POST", "/runs"),
    "404 duplicate deleted": _deleted("POST", "/duplicate"),
    # 409: lifecycle conflicts
    "409 second start while pending": _on_run(409, "pending", "start"),
    "409 second start while running": _on_run(409, "running", "start"),
    "409 second start while draining": _on_run(409, "draining", "start"),
    "409 resume pending": _on_run(409, "pending", "resume"),
    "409 resume running": _on_run(409, "running", "resume"),
    "409 resume cancelled": _on_run(409, "cancelled", "resume"),
    "409 resume completed": _on_run(409, "completed", "resume"),
    "409 pause cancelled": _on_run(409, "cancelled", "pause"),
    "409 pause completed": _on_run(409, "completed", "pause"),
    "409 resume while a sibling is active": _resume_blocked_by_sibling(),
    "409 start at the workspace limit": _globex_limit("start"),
    "409 resume at the workspace limit": _globex_limit("resume"),
}


@pytest.mark.parametrize("case", list(REJECTED))
def test_rejected_write_changes_nothing(client: FlaskClient, app: Flask, case: str) -> None:
    """Before and after a refused write, every list, workflow and run reads the same."""
    rejected = REJECTED[case]
    ids, request = rejected.setup(client, app)
    before = snapshot(client, ids)
    response = request()
    assert response.status_code == rejected.status, response.get_data(as_text=True)
    assert set(response.get_json()) == {"error", "meta"}
    assert snapshot(client, ids) == before


# -- concurrency through a live server ----------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(make_settings()) as live:
        yield live


@pytest.fixture
def live(server: MockServer) -> MockServer:
    mock_control.reset(server.engine)
    mock_control.set_clock(server.engine, frozen_at=FROZEN_AT)
    return server


def all_at_once(count: int, work: Callable[[int, httpx.Client], Any]) -> list[Any]:
    """Run `work(i, client)` on `count` threads released together by a barrier."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            with httpx.Client(timeout=30) as http:
                barrier.wait()
                results[i] = work(i, http)
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def test_simultaneous_starts_create_exactly_one_run(live: MockServer) -> None:
    """Eight clients starting the same workflow at the same instant: one 202, seven 409."""
    url = f"{live.url}{runs_url(FAST)}"
    statuses = all_at_once(8, lambda i, http: http.post(url, headers=KEY).status_code)
    assert sorted(statuses) == [202] + [409] * 7
    listing = httpx.get(url, headers=KEY).json()
    assert listing["pagination"]["total"] == 1
    assert listing["data"][0]["run_number"] == 1


def test_simultaneous_starts_respect_the_workspace_limit(live: MockServer) -> None:
    """Globex (limit 2, one seeded active run) lets one of several simultaneous starts through."""
    workflows = (GLOBEX_A, GLOBEX_B, GLOBEX_WIDE, GLOBEX_A, GLOBEX_B, GLOBEX_WIDE)
    statuses = all_at_once(len(workflows), lambda i, http: http.post(
        f"{live.url}{runs_url(workflows[i])}", headers=GLOBEX_KEY).status_code)
    assert sorted(statuses) == [202] + [409] * (len(workflows) - 1)


def test_concurrent_patches_of_different_fields_are_all_kept(live: MockServer) -> None:
    """Clients patching name, description and definition at once never lose each other's writes."""
    url = f"{live.url}{WORKFLOWS}/{FAST}"
    definition = httpx.get(url, headers=KEY).json()["data"]["definition"]
    rounds = 10

    def value(field: str, n: int) -> Any:
        if field == "definition":
            changed = copy.deepcopy(definition)
            changed["execution"]["params"] = {"round": n}
            return changed
        return f"{field} {n}"

    def work(i: int, http: httpx.Client) -> list[int]:
        field = ("name", "description", "definition")[i % 3]
        codes = []
        for n in range(rounds):
            codes.append(http.patch(url, json={field: value(field, n)}, headers=KEY).status_code)
        return codes

    results = all_at_once(3, work)
    assert all(code == 200 for codes in results for code in codes)
    final = httpx.get(url, headers=KEY).json()["data"]
    assert final["name"] == value("name", rounds - 1)
    assert final["description"] == value("description", rounds - 1)
    assert final["definition"] == value("definition", rounds - 1)


def test_concurrent_creates_get_distinct_ids(live: MockServer) -> None:
    """Simultaneous creates all succeed, each with its own id, and all are listed."""
    url = f"{live.url}{WORKFLOWS}"
    before = httpx.get(f"{url}?limit=100", headers=KEY).json()["pagination"]["total"]
    ids = all_at_once(8, lambda i, http: http.post(url, json={"name": f"Parallel {i}"},
                                                   headers=KEY).json()["data"]["id"])
    assert len(set(ids)) == 8
    listing = httpx.get(f"{url}?limit=100", headers=KEY).json()
    assert listing["pagination"]["total"] == before + 8
    assert set(ids) <= {row["id"] for row in listing["data"]}


def test_concurrent_cancels_agree(live: MockServer) -> None:
    """Simultaneous cancels of one run all succeed and all return the same cancelled run."""
    run = httpx.post(f"{live.url}{runs_url(FAST)}", headers=KEY).json()["data"]
    url = f"{live.url}{runs_url(FAST, run['id'], '/cancel')}"
    bodies = all_at_once(8, lambda i, http: http.post(url, headers=KEY).json()["data"])
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["status"] == "cancelled"
