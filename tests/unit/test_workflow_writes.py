"""Workflow writes and dry runs through HTTP (workflows.md §3.2-3.7, §3.10-3.14, §7)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import (
    ACME,
    ADA,
    ELI,
    FROZEN_AT,
    KEY,
    SECOND_WORKSPACE_KEY,
    assert_error,
    bearer,
    ok,
    session,
)

from mockserver.app import mock_of

WORKFLOWS = "/api/v1/workflows"
GLOBEX_KEY = bearer(SECOND_WORKSPACE_KEY)
EMPTY_GRAPH = {"graph": {"nodes": [], "edges": []}, "execution": {}}
ZERO_COUNTS = {s: 0 for s in ("pending", "running", "completed", "failed", "cancelled", "paused")}

# Seeded workflows (seed 0, default fixtures).
FAST = "05981b07-1fd4-5c7d-b788-d10a2b7af77d"  # Acme: source -> generator <-> validator -> 2 sinks
MULTI = "57a77a21-4d3c-5065-9a3b-c05876bfddc2"  # Acme: 4 locales, 6 finished runs
DESCRIBED = "dd48a6d3-4654-5383-9851-9e973c8807e7"  # Acme: has a description and 9 finished runs
PLACEHOLDER = "299b190c-89cf-5bb9-855c-72792dc1048f"  # Acme: "Untitled workflow", empty graph
GLOBEX_WIDE = "c4e89d34-4568-5f2c-b298-56cb8060a97e"  # Globex: 4 locales
ACME_BALANCE, GLOBEX_BALANCE = 25000, 4000




# -- helpers ----------------------------------------------------------------------------------


def advance(app: Flask, seconds: float) -> None:
    mock_of(app).world.clock.advance(seconds)






def fields(body: dict[str, Any]) -> list[str]:
    return [d["field"] for d in body["error"]["details"]]


def get(client: FlaskClient, workflow_id: str, headers: dict[str, str] = KEY) -> Any:
    return ok(client.get(f"{WORKFLOWS}/{workflow_id}", headers=headers))


def listed_ids(client: FlaskClient, headers: dict[str, str] = KEY) -> list[str]:
    response = client.get(f"{WORKFLOWS}?limit=100", headers=headers).get_json()
    assert response["pagination"]["total"] == len(response["data"])
    return [row["id"] for row in response["data"]]


def definition_of(client: FlaskClient, workflow_id: str = FAST) -> dict[str, Any]:
    definition: dict[str, Any] = get(client, workflow_id)["definition"]
    return definition


def create(client: FlaskClient, headers: dict[str, str] = KEY, **body: Any) -> dict[str, Any]:
    created: dict[str, Any] = ok(client.post(WORKFLOWS, json=body, headers=headers), 201)
    return created


def source_node(definition: dict[str, Any]) -> dict[str, Any]:
    return next(n for n in definition["graph"]["nodes"] if n["type"] == "source_script")


def with_script(definition: dict[str, Any], text: str) -> dict[str, Any]:
    changed = copy.deepcopy(definition)
    source_node(changed)["config"]["text"] = text
    return changed


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


# -- create -----------------------------------------------------------------------------------


@pytest.mark.parametrize("body", [None, {}, {"description": "Lines for the lobby."}],
                         ids=["no body", "empty object", "description only"])
def test_create_without_name_is_a_placeholder_with_an_empty_graph(
        client: FlaskClient, body: dict[str, Any] | None) -> None:
    """No name gives "Untitled workflow" (placeholder); no definition gives an empty graph."""
    before = listed_ids(client)
    created = ok(client.post(WORKFLOWS, json=body, headers=KEY), 201)
    assert created["name"] == "Untitled workflow"
    assert created["name_source"] == "placeholder"
    assert created["definition"] == EMPTY_GRAPH
    assert created["description"] == (body or {}).get("description")
    assert created["user_id"] == ADA
    assert at(created["created_at"]) == at(created["updated_at"]) == FROZEN_AT
    assert created["runs_count"] == 0 and created["run_status_counts"] == ZERO_COUNTS
    assert created["last_run_at"] is None and created["last_run_status"] is None
    assert created["id"] not in before
    assert get(client, created["id"]) == created
    assert sorted(listed_ids(client)) == sorted([*before, created["id"]])


def test_create_with_name_and_definition_stores_them_as_given(client: FlaskClient) -> None:
    """A named create is `name_source: user` and keeps name, description and graph verbatim."""
    definition = definition_of(client)
    created = create(client, name="  Lobby lines  ", description="For the lobby.",
                     definition=definition)
    assert created["name"] == "  Lobby lines  " and created["name_source"] == "user"
    assert created["description"] == "For the lobby."
    assert created["definition"] == definition
    assert get(client, created["id"]) == created


def test_create_by_session_belongs_to_that_user(client: FlaskClient) -> None:
    """The creator is the authenticated user (an editor session here)."""
    created = create(client, session(ELI, ACME), name="Eli's workflow")
    assert created["user_id"] == ELI


def test_names_need_not_be_unique(client: FlaskClient) -> None:
    """Two creates with the same name both succeed with distinct ids."""
    first = create(client, name="Same name")
    second = create(client, name="Same name")
    assert first["id"] != second["id"]


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_create_with_an_invalid_name_is_422(client: FlaskClient, name: str) -> None:
    """Blank and over-long names are refused, naming the `name` field."""
    body = assert_error(client.post(WORKFLOWS, json={"name": name}, headers=KEY), 422,
                        "VALIDATION_ERROR")
    assert set(fields(body)) == {"name"}


def test_create_accepts_a_200_character_name(client: FlaskClient) -> None:
    """200 characters is the longest name."""
    assert create(client, name="n" * 200)["name"] == "n" * 200


# -- PUT --------------------------------------------------------------------------------------


@pytest.mark.parametrize("description", ["omitted", None])
def test_put_replaces_the_whole_workflow(client: FlaskClient, app: Flask,
                                         description: str | None) -> None:
    """PUT replaces name and definition; an omitted or null description is cleared."""
    original = get(client, DESCRIBED)
    assert original["description"]
    runs_before = ok(client.get(f"{WORKFLOWS}/{DESCRIBED}/runs?limit=100", headers=KEY))
    snapshot_before = ok(client.get(f"{WORKFLOWS}/{DESCRIBED}/runs/{runs_before[0]['id']}",
                                    headers=KEY))["definition_snapshot"]
    advance(app, 60)
    new_definition = definition_of(client, FAST)
    body: dict[str, Any] = {"name": "Replaced", "definition": new_definition}
    if description != "omitted":
        body["description"] = description
    replaced = ok(client.put(f"{WORKFLOWS}/{DESCRIBED}", json=body, headers=KEY))
    assert replaced["name"] == "Replaced" and replaced["name_source"] == "user"
    assert replaced["description"] is None
    assert replaced["definition"] == new_definition
    assert replaced["created_at"] == original["created_at"]
    assert at(replaced["updated_at"]) == FROZEN_AT + timedelta(seconds=60)
    assert get(client, DESCRIBED) == replaced
    # Existing runs keep their aggregates and their own snapshot
    for key in ("runs_count", "run_status_counts", "last_run_status", "last_run_at"):
        assert replaced[key] == original[key]
    snapshot_after = ok(client.get(f"{WORKFLOWS}/{DESCRIBED}/runs/{runs_before[0]['id']}",
                                   headers=KEY))["definition_snapshot"]
    assert snapshot_after == snapshot_before != new_definition


def test_put_of_a_placeholder_makes_the_name_user_chosen(client: FlaskClient) -> None:
    """Naming a placeholder workflow by PUT turns its name_source to `user`."""
    replaced = ok(client.put(f"{WORKFLOWS}/{PLACEHOLDER}",
                             json={"name": "Named now", "definition": EMPTY_GRAPH}, headers=KEY))
    assert replaced["name_source"] == "user"


@pytest.mark.parametrize(("body", "field"), [
    ({"definition": EMPTY_GRAPH}, "name"),
    ({"name": "No graph"}, "definition"),
    ({"name": "", "definition": EMPTY_GRAPH}, "name"),
])
def test_put_needs_name_and_definition(client: FlaskClient, body: dict[str, Any],
                                       field: str) -> None:
    """PUT without a valid name or without a definition is 422 naming the field."""
    response = client.put(f"{WORKFLOWS}/{FAST}", json=body, headers=KEY)
    assert field in fields(assert_error(response, 422, "VALIDATION_ERROR"))


# -- PATCH ------------------------------------------------------------------------------------


@pytest.mark.parametrize("patch", [
    {"description": None},
    {"description": "A new description."},
    {"name": "Renamed"},
    {"definition": EMPTY_GRAPH},
    {"name": "Renamed", "description": None},
], ids=["clear description", "set description", "rename", "new definition", "rename+clear"])
def test_patch_changes_only_the_keys_sent(client: FlaskClient, app: Flask,
                                          patch: dict[str, Any]) -> None:
    """PATCH changes the keys present (explicit null clears) and leaves the others as they were."""
    original = get(client, DESCRIBED)
    assert original["description"]
    advance(app, 60)
    patched = ok(client.patch(f"{WORKFLOWS}/{DESCRIBED}", json=patch, headers=KEY))
    expected = {**original, **patch,
                "updated_at": patched["updated_at"],
                "name_source": "user" if "name" in patch else original["name_source"]}
    assert patched == expected
    assert at(patched["updated_at"]) == FROZEN_AT + timedelta(seconds=60)
    assert get(client, DESCRIBED) == patched


def test_patch_rename_of_a_placeholder_is_user_named(client: FlaskClient) -> None:
    """Renaming a placeholder by PATCH makes `name_source: user`; other patches keep it."""
    described = ok(client.patch(f"{WORKFLOWS}/{PLACEHOLDER}", json={"description": "d"},
                                headers=KEY))
    assert described["name_source"] == "placeholder"
    renamed = ok(client.patch(f"{WORKFLOWS}/{PLACEHOLDER}", json={"name": "Real name"},
                              headers=KEY))
    assert renamed["name_source"] == "user"


@pytest.mark.parametrize(("body", "field"), [
    ({}, None), ({"name": "  "}, "name"), ({"name": 5}, "name"),
    ({"definition": []}, "definition"), ({"description": "d" * 5001}, "description"),
])
def test_invalid_patch_is_422(client: FlaskClient, body: dict[str, Any],
                              field: str | None) -> None:
    """An empty PATCH, a blank or non-text name, a non-object definition or a huge
    description is 422."""
    error = assert_error(client.patch(f"{WORKFLOWS}/{FAST}", json=body, headers=KEY), 422,
                         "VALIDATION_ERROR")
    if field:
        assert field in fields(error)


def test_patch_null_name_and_definition_change_nothing(client: FlaskClient) -> None:
    """A null name or definition (what the SDK sends for None) leaves it as it was; a null
    description clears it."""
    before = ok(client.get(f"{WORKFLOWS}/{FAST}", headers=KEY))
    after = ok(client.patch(f"{WORKFLOWS}/{FAST}", headers=KEY, json={
        "name": None, "definition": None, "description": None}))
    assert (after["name"], after["name_source"]) == (before["name"], before["name_source"])
    assert after["definition"] == before["definition"]
    assert after["description"] is None


def test_create_with_nulls_is_a_placeholder(client: FlaskClient) -> None:
    """Null name, description and definition on create mean the same as leaving them out."""
    created = ok(client.post(WORKFLOWS, headers=KEY, json={
        "name": None, "description": None, "definition": None}), 201)
    assert (created["name"], created["name_source"]) == ("Untitled workflow", "placeholder")
    assert created["description"] is None and created["definition"]["graph"]["nodes"] == []


# -- save-time validation ---------------------------------------------------------------------


def _unknown_type(d: dict[str, Any]) -> str:
    d["graph"]["nodes"][1]["type"] = "operator_teleporter"
    return "definition.graph.nodes[1].type"


def _catalog_preview_type(d: dict[str, Any]) -> str:
    # Listed by GET /nodes (category decision), but not a NodeType a graph may hold.
    d["graph"]["nodes"][1]["type"] = "decision_score_router"
    return "definition.graph.nodes[1].type"


def _dangling_edge(d: dict[str, Any]) -> str:
    d["graph"]["edges"][0]["target"] = "ghost"
    return "definition.graph.edges[0].target"


def _duplicate_node_id(d: dict[str, Any]) -> str:
    d["graph"]["nodes"].append({**d["graph"]["nodes"][1], "position": {"x": 1, "y": 1}})
    return f"definition.graph.nodes[{len(d['graph']['nodes']) - 1}].id"


def _duplicate_edge_id(d: dict[str, Any]) -> str:
    d["graph"]["edges"][1]["id"] = d["graph"]["edges"][0]["id"]
    return "definition.graph.edges[1].id"


def _unknown_source_port(d: dict[str, Any]) -> str:
    d["graph"]["edges"][0]["sourcePort"] = "nope"
    return "definition.graph.edges[0].sourcePort"


def _unknown_target_port(d: dict[str, Any]) -> str:
    d["graph"]["edges"][0]["targetPort"] = "nope"
    return "definition.graph.edges[0].targetPort"


def _unknown_step(d: dict[str, Any]) -> str:
    d["execution"] = {"steps": ["ghost"]}
    return "definition.execution.steps[0]"


BREAKAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "unknown node type": _unknown_type,
    "catalog preview node type": _catalog_preview_type,
    "dangling edge": _dangling_edge,
    "duplicate node id": _duplicate_node_id,
    "duplicate edge id": _duplicate_edge_id,
    "unknown source port": _unknown_source_port,
    "unknown target port": _unknown_target_port,
    "unknown execution step": _unknown_step,
}


def broken(client: FlaskClient, breakage: str) -> tuple[dict[str, Any], str]:
    definition = copy.deepcopy(definition_of(client))
    field = BREAKAGES[breakage](definition)
    return definition, field


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_invalid_definition_is_422_naming_the_field(client: FlaskClient, method: str,
                                                    breakage: str) -> None:
    """Create, PUT and PATCH refuse a broken graph; details[].field points at the culprit."""
    definition, field = broken(client, breakage)
    url = WORKFLOWS if method == "POST" else f"{WORKFLOWS}/{FAST}"
    response = client.open(url, method=method, headers=KEY,
                           json={"name": "Broken", "definition": definition})
    error = assert_error(response, 422, "VALIDATION_ERROR")
    assert field in fields(error), fields(error)
    assert all(f.startswith("definition.") for f in fields(error))


@pytest.mark.parametrize("definition", [
    EMPTY_GRAPH,
    {},
    {"graph": None, "execution": None},
    {"graph": {"nodes": [], "edges": []}, "execution": {"steps": [], "params": {"k": 1}}},
], ids=["empty graph", "empty object", "nulls", "empty steps"])
def test_empty_definitions_save(client: FlaskClient, definition: dict[str, Any]) -> None:
    """Graphs with nothing in them pass save-time validation (they just cannot run)."""
    assert create(client, name="Empty", definition=definition)["definition"] == definition


# -- DELETE -----------------------------------------------------------------------------------


def test_delete_hides_the_workflow_everywhere(client: FlaskClient) -> None:
    """DELETE answers `{"deleted": true}`; afterwards the workflow is gone from reads, writes
    and lists."""
    runs = ok(client.get(f"{WORKFLOWS}/{MULTI}/runs?limit=1", headers=KEY))
    response = client.delete(f"{WORKFLOWS}/{MULTI}", headers=KEY)
    assert response.status_code == 200 and response.get_json()["data"] == {"deleted": True}
    assert MULTI not in listed_ids(client)
    base = f"{WORKFLOWS}/{MULTI}"
    gone = [
        client.get(base, headers=KEY),
        client.patch(base, json={"name": "x"}, headers=KEY),
        client.put(base, json={"name": "x", "definition": EMPTY_GRAPH}, headers=KEY),
        client.get(f"{base}/runs", headers=KEY),
        client.post(f"{base}/runs", headers=KEY),
        client.get(f"{base}/runs/{runs[0]['id']}", headers=KEY),
        client.post(f"{base}/duplicate", headers=KEY),
        client.post(f"{base}/estimate", headers=KEY),
        client.get(f"{base}/markdown", headers=KEY),
        client.delete(base, headers=KEY),
    ]
    for reply in gone:
        assert_error(reply, 404, "NOT_FOUND")


def test_delete_of_an_unknown_workflow_is_404(client: FlaskClient) -> None:
    """Deleting an id that never existed is 404."""
    assert_error(client.delete(f"{WORKFLOWS}/00000000-0000-4000-8000-000000000000", headers=KEY),
                 404, "NOT_FOUND")


# -- duplicate --------------------------------------------------------------------------------


def test_duplicate_copies_the_workflow_without_runs(client: FlaskClient) -> None:
    """A copy is 201 with " (Copy)", a fresh id, the same graph and description, and no runs."""
    original = get(client, MULTI)
    assert original["runs_count"] > 0
    before = listed_ids(client)
    copied = ok(client.post(f"{WORKFLOWS}/{MULTI}/duplicate", headers=KEY), 201)
    assert copied["id"] not in before
    assert copied["name"] == original["name"] + " (Copy)" and copied["name_source"] == "user"
    assert copied["definition"] == original["definition"]
    assert copied["description"] == original["description"]
    assert copied["runs_count"] == 0 and copied["run_status_counts"] == ZERO_COUNTS
    assert copied["last_run_at"] is None and copied["last_run_status"] is None
    assert at(copied["created_at"]) == FROZEN_AT
    assert ok(client.get(f"{WORKFLOWS}/{copied['id']}/runs", headers=KEY)) == []
    assert get(client, MULTI) == original
    assert copied["id"] in listed_ids(client)
    # A second copy is another workflow
    again = ok(client.post(f"{WORKFLOWS}/{MULTI}/duplicate", headers=KEY), 201)
    assert again["id"] not in (copied["id"], MULTI) and again["name"] == copied["name"]


def test_duplicate_is_independent_of_its_original(client: FlaskClient) -> None:
    """Editing the copy does not touch the original (the graph is deep-copied)."""
    copied = ok(client.post(f"{WORKFLOWS}/{FAST}/duplicate", headers=KEY), 201)
    original = get(client, FAST)
    ok(client.patch(f"{WORKFLOWS}/{copied['id']}",
                    json={"definition": with_script(copied["definition"], "Changed.")},
                    headers=KEY))
    assert get(client, FAST) == original


@pytest.mark.parametrize("length", [193, 194, 199, 200])
def test_duplicate_name_stays_within_200_characters(client: FlaskClient, length: int) -> None:
    """Long names are shortened so the copy's name keeps the suffix within 200 characters."""
    name = "n" * length
    source = create(client, name=name)
    copied = ok(client.post(f"{WORKFLOWS}/{source['id']}/duplicate", headers=KEY), 201)
    assert len(copied["name"]) <= 200 and copied["name"].endswith(" (Copy)")
    assert copied["name"] == name[:193] + " (Copy)"


def test_duplicate_of_a_placeholder(client: FlaskClient) -> None:
    """A placeholder copy is named "Untitled workflow (Copy)" with `name_source: user`."""
    copied = ok(client.post(f"{WORKFLOWS}/{PLACEHOLDER}/duplicate", headers=KEY), 201)
    assert copied["name"] == "Untitled workflow (Copy)" and copied["name_source"] == "user"


# -- validate ---------------------------------------------------------------------------------


def test_validate_accepts_a_runnable_graph(client: FlaskClient) -> None:
    """A runnable graph is valid; its retry loop is only a `cycle` warning."""
    report = ok(client.post(f"{WORKFLOWS}/validate", json={"definition": definition_of(client)},
                            headers=KEY))
    assert report["valid"] is True and report["errors"] == [] and report["blocked"] == []
    assert [w["rule"] for w in report["warnings"]] == ["cycle"]
    assert report["summary"]["node_count"] == len(definition_of(client)["graph"]["nodes"])


def _no_sink(d: dict[str, Any]) -> str:
    sinks = {n["id"] for n in d["graph"]["nodes"] if n["type"] == "sink_preview"}
    d["graph"]["nodes"] = [n for n in d["graph"]["nodes"] if n["id"] not in sinks]
    d["graph"]["edges"] = [e for e in d["graph"]["edges"] if e["target"] not in sinks]
    d["execution"] = {}
    return "missing_sink"


def _no_source(d: dict[str, Any]) -> str:
    d["graph"]["nodes"] = [n for n in d["graph"]["nodes"] if n["type"] != "source_script"]
    d["graph"]["edges"] = [e for e in d["graph"]["edges"] if e["source"] != "source_1"]
    d["execution"] = {}
    return "missing_source"


def _emptied(d: dict[str, Any]) -> str:
    d.clear()
    d.update(copy.deepcopy(EMPTY_GRAPH))
    return "missing_source"


READINESS_BREAKAGES = {**BREAKAGES, "no sink": _no_sink, "no source": _no_source,
                       "empty": _emptied}


@pytest.mark.parametrize(("breakage", "rule"), [
    ("dangling edge", "dangling_edge"),
    ("duplicate node id", "duplicate_node_id"),
    ("duplicate edge id", "duplicate_edge_id"),
    ("unknown source port", "incompatible_ports"),
    ("unknown execution step", "unknown_step"),
    ("no sink", "missing_sink"),
    ("no source", "missing_source"),
    ("empty", "missing_source"),
])
def test_validate_reports_rule_ids_with_200(client: FlaskClient, breakage: str,
                                            rule: str) -> None:
    """An invalid graph is still 200, `valid: false`, with the broken rule's id among the errors."""
    definition = copy.deepcopy(definition_of(client))
    READINESS_BREAKAGES[breakage](definition)
    before = listed_ids(client)
    report = ok(client.post(f"{WORKFLOWS}/validate", json={"definition": definition},
                            headers=KEY))
    assert report["valid"] is False
    assert rule in [e["rule"] for e in report["errors"]]
    assert all(e["message"] for e in report["errors"])
    assert listed_ids(client) == before


def test_validate_reports_an_unknown_node_type_with_200(client: FlaskClient) -> None:
    """An unknown node type is a graph problem for validate, not a malformed body."""
    definition = copy.deepcopy(definition_of(client))
    _unknown_type(definition)
    report = ok(client.post(f"{WORKFLOWS}/validate", json={"definition": definition},
                            headers=KEY))
    assert report["valid"] is False
    assert "unknown_node_type" in [e["rule"] for e in report["errors"]]


def test_validate_without_definition_is_422(client: FlaskClient) -> None:
    """Only a malformed body is 422."""
    error = assert_error(client.post(f"{WORKFLOWS}/validate", json={}, headers=KEY), 422,
                         "VALIDATION_ERROR")
    assert fields(error) == ["definition"]


# -- name availability ------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "name"), [
    ("Brand new name", "Brand new name"),
    ("  Padded  ", "Padded"),
    ("Untitled workflow", "Untitled workflow"),
])
def test_any_valid_name_is_available(client: FlaskClient, query: str, name: str) -> None:
    """Names are not unique: a valid (trimmed) name is always available, even a taken one."""
    result = ok(client.get(f"{WORKFLOWS}/name-availability", query_string={"name": query},
                           headers=KEY))
    assert result == {"name": name, "available": True}


@pytest.mark.parametrize("query", [{}, {"name": "   "}, {"name": "x" * 201}])
def test_invalid_name_availability_query_is_422(client: FlaskClient,
                                                query: dict[str, str]) -> None:
    """A missing, blank or over-long name is 422 naming `name`."""
    response = client.get(f"{WORKFLOWS}/name-availability", query_string=query, headers=KEY)
    assert set(fields(assert_error(response, 422, "VALIDATION_ERROR"))) == {"name"}


# -- estimate and preview-run -----------------------------------------------------------------

DRY_RUNS = ("estimate", "runs/preview")


def dry_run(client: FlaskClient, workflow_id: str, kind: str, body: dict[str, Any] | None = None,
            headers: dict[str, str] = KEY) -> Any:
    return client.post(f"{WORKFLOWS}/{workflow_id}/{kind}", json=body, headers=headers)


@pytest.mark.parametrize("body", [None, {}, {"script_text": "Hello.\nGoodbye.",
                                             "source_language": None}])
def test_estimate_and_preview_agree_and_repeat(client: FlaskClient,
                                               body: dict[str, Any] | None) -> None:
    """Estimate and preview-run give the same numbers, every time, for the same input."""
    results = [ok(dry_run(client, FAST, kind, body)) for kind in (*DRY_RUNS, *DRY_RUNS)]
    assert all(r == results[0] for r in results)
    estimate = results[0]
    assert 0 <= estimate["min_credits"] <= estimate["expected_credits"] <= estimate["max_credits"]
    node_ids = [n["id"] for n in definition_of(client)["graph"]["nodes"]]
    assert [row["node_id"] for row in estimate["breakdown"]] == node_ids
    for row in estimate["breakdown"]:
        assert row["min_credits"] <= row["expected_credits"] <= row["max_credits"]


@pytest.mark.parametrize("kind", DRY_RUNS)
def test_script_text_override_changes_the_estimate(client: FlaskClient, kind: str) -> None:
    """A longer script_text costs more; the stored workflow is untouched."""
    before = get(client, FAST)
    saved = ok(dry_run(client, FAST, kind))
    longer = ok(dry_run(client, FAST, kind, {"script_text": "Hello there, traveller.\n" * 200}))
    shorter = ok(dry_run(client, FAST, kind, {"script_text": "Hi."}))
    assert longer["expected_credits"] > saved["expected_credits"] >= shorter["expected_credits"]
    assert longer["max_credits"] > saved["max_credits"]
    assert get(client, FAST) == before


@pytest.mark.parametrize("kind", DRY_RUNS)
def test_empty_script_without_override_is_422(client: FlaskClient, kind: str) -> None:
    """With no saved script and no script_text there is nothing to price: 422."""
    workflow = create(client, name="Empty script",
                      definition=with_script(definition_of(client), ""))
    for body in (None, {}, {"script_text": ""}, {"source_language": "en-us"}):
        error = assert_error(dry_run(client, workflow["id"], kind, body), 422,
                             "VALIDATION_ERROR")
        assert fields(error) == ["script_text"]
    assert ok(dry_run(client, workflow["id"], kind, {"script_text": "Now there is text."}))


@pytest.mark.parametrize("kind", DRY_RUNS)
def test_overrides_need_exactly_one_source_to_price(client: FlaskClient, kind: str) -> None:
    """script_text on a graph with two sources is 422; without overrides it prices."""
    definition = copy.deepcopy(definition_of(client))
    source = source_node(definition)
    definition["graph"]["nodes"].append({**source, "id": "source_2"})
    definition["graph"]["edges"].append({**definition["graph"]["edges"][0], "id": "edge_s2",
                                         "source": "source_2"})
    workflow = create(client, name="Two sources", definition=definition)
    error = assert_error(dry_run(client, workflow["id"], kind, {"script_text": "x"}), 422,
                         "VALIDATION_ERROR")
    assert fields(error) == ["script_text"]
    assert ok(dry_run(client, workflow["id"], kind))["min_credits"] >= 0


@pytest.mark.parametrize(("workflow_id", "headers", "balance"), [
    (FAST, KEY, ACME_BALANCE), (GLOBEX_WIDE, GLOBEX_KEY, GLOBEX_BALANCE),
])
@pytest.mark.parametrize("lines", [1, 100, 300])
def test_can_run_compares_min_credits_with_the_balance(
        client: FlaskClient, workflow_id: str, headers: dict[str, str], balance: int,
        lines: int) -> None:
    """can_run is `min_credits <= balance`; deficit_at_max is the shortfall at the maximum."""
    script = ("Hello world this is a line of a long script. " * 10 + "\n") * lines
    estimate = ok(dry_run(client, workflow_id, "runs/preview", {"script_text": script},
                          headers))
    assert estimate["current_balance"] == balance
    assert estimate["can_run"] is (estimate["min_credits"] <= balance)
    assert estimate["deficit_at_max"] == max(0, estimate["max_credits"] - balance)


def test_too_few_credits_refuses_the_start_with_402(client: FlaskClient) -> None:
    """A run that cannot fit the balance (can_run false) is refused with 402, creating nothing."""
    script = ("Hello world this is a line of a long script. " * 10 + "\n") * 300
    estimate = ok(dry_run(client, GLOBEX_WIDE, "runs/preview", {"script_text": script},
                          GLOBEX_KEY))
    assert estimate["can_run"] is False
    runs = f"{WORKFLOWS}/{GLOBEX_WIDE}/runs"
    total = client.get(runs, headers=GLOBEX_KEY).get_json()["pagination"]["total"]
    error = assert_error(client.post(runs, json={"script_text": script}, headers=GLOBEX_KEY),
                         402, "INSUFFICIENT_CREDITS")
    assert error["error"]["min_credits"] == estimate["min_credits"]
    assert error["error"]["current_balance"] == GLOBEX_BALANCE
    assert client.get(runs, headers=GLOBEX_KEY).get_json()["pagination"]["total"] == total
