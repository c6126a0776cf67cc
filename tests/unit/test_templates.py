"""Templates through HTTP: the gallery, own templates, estimate, clone, writes, favorites."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient
from support import (
    ACME,
    ADA,
    ELI,
    FROZEN_AT,
    GLOBEX,
    GUS,
    KEY,
    READ_ONLY_KEY,
    VERA,
    assert_error,
    bearer,
    ok,
    session,
)

from mockserver.settings import DEFAULT_SPEC
from mockserver.world.service import templates as template_commands
from mockserver.world.views.template_views import synthetic_script

TEMPLATES = "/api/v1/templates"
MINE = "/api/v1/users/me/templates"
WORKFLOWS = "/api/v1/workflows"
GLOBEX_AS = session(GUS, GLOBEX)  # the Globex key lacks templates:read
STARTERS = 10
BROKEN = {"graph": {"nodes": [{"id": "a", "type": "source_script", "position": {"x": 0, "y": 0},
                               "config": {}}],
                    "edges": [{"id": "e", "source": "a", "sourcePort": "lines",
                               "target": "ghost", "targetPort": "lines"}]}}


def gallery(client: FlaskClient, query: str = "", headers: dict[str, str] = KEY,
            limit: int = 100) -> Any:
    response = client.get(f"{TEMPLATES}?limit={limit}{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def acme_published(client: FlaskClient) -> dict[str, Any]:
    """Acme's seeded template in the gallery (as the gallery shows it): its draft, which
    only Acme sees, has been edited since it was published."""
    for row in gallery(client)["data"]:
        if not row["is_starter"]:
            draft = ok(client.get(f"{TEMPLATES}/{row['id']}", headers=KEY))
            if draft["description"] != row["description"]:
                return row
    raise AssertionError("no published Acme template")


def starter(client: FlaskClient) -> dict[str, Any]:
    return next(t for t in gallery(client)["data"] if t["is_starter"])


# -- the gallery ----------------------------------------------------------------------------

def test_gallery_holds_starters_and_published_workspace_templates(client: FlaskClient) -> None:
    body = gallery(client, headers=session(GUS))  # a session with no workspace may browse
    rows = body["data"]
    assert body["pagination"]["total"] == len(rows) == STARTERS + 2  # + Acme's and Globex's
    assert sum(t["is_starter"] for t in rows) == STARTERS
    assert all(t["is_public"] for t in rows)
    assert all(t["created_by"] is None for t in rows if t["is_starter"])


def test_gallery_sorts(client: FlaskClient) -> None:
    popular = [t["uses_count"] for t in gallery(client)["data"]]
    assert popular == sorted(popular, reverse=True)
    recent = [t["updated_at"] for t in gallery(client, "&sort=recent")["data"]]
    assert recent == sorted(recent, reverse=True)
    names = [t["name"].casefold() for t in gallery(client, "&sort=name")["data"]]
    assert names == sorted(names)


def test_gallery_filters_count_what_they_keep(client: FlaskClient) -> None:
    everything = gallery(client)["data"]
    wanted = [t for t in everything if t["category"] in ("media", "wellness")]
    body = gallery(client, "&category=media&category=wellness", limit=1)
    assert body["pagination"]["total"] == len(wanted) >= 2
    assert body["data"][0]["category"] in ("media", "wellness")
    # Case-insensitive, in the name or the description.
    assert [t["name"] for t in gallery(client, "&search=PODCAST")["data"]] == [
        "Podcast intro and outro"]
    by_description = gallery(client, "&search=bedtime")
    assert by_description["pagination"]["total"] == 1
    assert by_description["data"][0]["name"] == "Sleep story"


def test_favorites_are_per_user(client: FlaskClient) -> None:
    first, second = starter(client), gallery(client)["data"][3]
    liked = ok(client.post(f"{TEMPLATES}/{first['id']}/favorite", headers=KEY))
    assert liked["is_favorite"] is True
    ok(client.post(f"{TEMPLATES}/{first['id']}/favorite", headers=KEY))  # idempotent
    # Ada again, as a session without a workspace: the same favorites.
    ok(client.post(f"{TEMPLATES}/{second['id']}/favorite", headers=session(ADA)))
    body = gallery(client, "&favorites_only=true")
    assert body["pagination"]["total"] == 2
    assert {t["id"] for t in body["data"]} == {first["id"], second["id"]}
    assert all(t["is_favorite"] for t in body["data"])
    # Eli, in the same workspace, has none.
    assert gallery(client, "&favorites_only=true", session(ELI, ACME))["pagination"]["total"] == 0
    assert ok(client.get(f"{TEMPLATES}/{first['id']}", headers=session(ELI, ACME))
              )["is_favorite"] is False
    assert ok(client.delete(f"{TEMPLATES}/{first['id']}/favorite", headers=KEY)) == {}
    assert ok(client.delete(f"{TEMPLATES}/{first['id']}/favorite", headers=KEY)) == {}
    assert ok(client.delete(f"{TEMPLATES}/zzzzzzzz/favorite", headers=KEY)) == {}
    assert gallery(client, "&favorites_only=true")["pagination"]["total"] == 1


def test_favoriting_an_invisible_template_is_404(client: FlaskClient) -> None:
    private = ok(client.post(TEMPLATES, json={"name": "Private"}, headers=KEY), 201)
    assert_error(client.post(f"{TEMPLATES}/{private['id']}/favorite", headers=GLOBEX_AS),
                 404, "NOT_FOUND")
    assert_error(client.post(f"{TEMPLATES}/00000000/favorite", headers=KEY), 404, "NOT_FOUND")
    # Gus belongs to Globex only; Ada, a member of Acme, sees it without naming a workspace.
    ok(client.post(f"{TEMPLATES}/{private['id']}/favorite", headers=session(ADA)))
    assert_error(client.post(f"{TEMPLATES}/{private['id']}/favorite", headers=session(GUS)),
                 404, "NOT_FOUND")


# -- own templates: drafts, the published snapshot, visibility ------------------------------

def test_owner_sees_the_draft_others_the_published_snapshot(client: FlaskClient) -> None:
    row = acme_published(client)
    draft = ok(client.get(f"{TEMPLATES}/{row['id']}", headers=KEY))
    published = ok(client.get(f"{TEMPLATES}/{row['id']}", headers=GLOBEX_AS))
    assert published["description"] == row["description"]  # the gallery shows the snapshot
    assert draft["definition"] != published["definition"]
    assert draft["updated_at"] > published["updated_at"]


def test_my_templates_lists_the_callers_own_drafts(client: FlaskClient) -> None:
    made = ok(client.post(TEMPLATES, json={"name": "Eli's own", "category": "education"},
                          headers=session(ELI, ACME)), 201)
    eli = client.get(f"{MINE}?limit=100", headers=session(ELI, ACME)).get_json()
    assert made["id"] in {t["id"] for t in eli["data"]}
    assert eli["pagination"]["total"] == len(eli["data"])
    ada = ok(client.get(f"{MINE}?limit=100", headers=KEY))
    assert made["id"] not in {t["id"] for t in ada}
    assert all(t["created_by"] == ADA and not t["is_starter"] for t in ada)
    filtered = client.get(f"{MINE}?category=education", headers=session(ELI, ACME)).get_json()
    assert filtered["pagination"]["total"] == sum(
        t["category"] == "education" for t in eli["data"])
    assert_error(client.get(MINE, headers=session(ELI)), 400, "BAD_REQUEST")


def test_another_workspaces_private_template_is_404(client: FlaskClient) -> None:
    private = ok(client.post(TEMPLATES, json={"name": "Acme only"}, headers=KEY), 201)
    for path in ("", "/estimate"):
        assert_error(client.get(f"{TEMPLATES}/{private['id']}{path}", headers=GLOBEX_AS),
                     404, "NOT_FOUND")
    assert_error(client.post(f"{TEMPLATES}/{private['id']}/clone", headers=GLOBEX_AS),
                 404, "NOT_FOUND")
    assert private["id"] not in {t["id"] for t in gallery(client)["data"]}


# -- estimate -------------------------------------------------------------------------------

def test_estimate_is_consistent_and_stable(client: FlaskClient) -> None:
    for template in gallery(client)["data"]:
        path = f"{TEMPLATES}/{template['id']}/estimate"
        guide = ok(client.get(path, headers=KEY))
        assert ok(client.get(path, headers=KEY)) == guide
        assert guide["unit_chars"] == 1000
        for level in ("min", "expected", "max"):
            assert guide[f"total_{level}_credits_per_unit"] == (
                guide[f"variable_{level}_credits_per_unit"] + guide[f"fixed_{level}_credits"])
        assert (guide["total_min_credits_per_unit"] <= guide["total_expected_credits_per_unit"]
                <= guide["total_max_credits_per_unit"])
        shown = ok(client.get(f"{TEMPLATES}/{template['id']}", headers=KEY))  # what Acme sees
        nodes = {n["id"]: n["type"] for n in shown["definition"]["graph"]["nodes"]}
        assert {(r["node_id"], r["node_type"]) for r in guide["breakdown"]} <= set(nodes.items())
        assert guide["source_node_ids"] == [i for i, t in nodes.items() if t == "source_script"]
        assert guide["cache_status"] == "hit"


def test_estimate_comes_from_the_workflow_pricing_engine(client: FlaskClient) -> None:
    """A clone priced on the same synthetic script costs what the template guide says."""
    template = starter(client)
    guide = ok(client.get(f"{TEMPLATES}/{template['id']}/estimate", headers=KEY))
    clone = ok(client.post(f"{TEMPLATES}/{template['id']}/clone", json={}, headers=KEY), 201)
    priced = ok(client.post(f"{WORKFLOWS}/{clone['id']}/estimate",
                            json={"script_text": synthetic_script()}, headers=KEY))
    assert (priced["min_credits"], priced["expected_credits"], priced["max_credits"]) == (
        guide["total_min_credits_per_unit"], guide["total_expected_credits_per_unit"],
        guide["total_max_credits_per_unit"])
    assert priced["breakdown"] == guide["breakdown"]


def test_estimate_follows_the_snapshot_seen(client: FlaskClient) -> None:
    row = acme_published(client)
    own = ok(client.get(f"{TEMPLATES}/{row['id']}/estimate", headers=KEY))
    other = ok(client.get(f"{TEMPLATES}/{row['id']}/estimate", headers=GLOBEX_AS))
    assert (own["source_snapshot"], other["source_snapshot"]) == ("draft", "published")
    assert own["definition_fingerprint"] != other["definition_fingerprint"]
    assert own["rate_fingerprint"] == other["rate_fingerprint"]


# -- clone ----------------------------------------------------------------------------------

def test_clone_makes_a_listed_runnable_workflow_and_counts_a_use(client: FlaskClient) -> None:
    template = starter(client)
    before = client.get(f"{WORKFLOWS}?limit=1", headers=GLOBEX_AS).get_json()
    clone = ok(client.post(f"{TEMPLATES}/{template['id']}/clone", json={"name": "  "},
                           headers=GLOBEX_AS), 201)
    assert clone["name"] == template["name"]  # a blank name takes the template's
    assert clone["definition"] == template["definition"]
    assert clone["runs_count"] == 0
    after = client.get(f"{WORKFLOWS}?limit=1", headers=GLOBEX_AS).get_json()
    assert after["pagination"]["total"] == before["pagination"]["total"] + 1
    assert ok(client.get(f"{WORKFLOWS}/{clone['id']}", headers=GLOBEX_AS)) == clone
    counted = ok(client.get(f"{TEMPLATES}/{template['id']}", headers=KEY))
    assert counted["uses_count"] == template["uses_count"] + 1
    run = ok(client.post(f"{WORKFLOWS}/{clone['id']}/runs", json={}, headers=GLOBEX_AS), 202)
    assert run["workflow_id"] == clone["id"]
    # It runs like any workflow: on the frozen clock, two hours later it has settled.
    ok(client.post("/__mock/clock", json={"advance_seconds": 7200}))
    later = session(GUS, GLOBEX, now=FROZEN_AT + timedelta(hours=2))
    done = ok(client.get(f"{WORKFLOWS}/{clone['id']}/runs/{run['id']}", headers=later))
    assert done["status"] in ("completed", "failed")
    outputs = ok(client.get(f"{WORKFLOWS}/{clone['id']}/runs/{run['id']}/outputs",
                            headers=later))["outputs"]
    sinks = {n["id"] for n in template["definition"]["graph"]["nodes"]
             if n["type"].startswith("sink_")}
    assert {o["node_id"] for o in outputs} == sinks


def test_clone_copies_the_snapshot_the_caller_sees(client: FlaskClient) -> None:
    row = acme_published(client)
    draft = ok(client.get(f"{TEMPLATES}/{row['id']}", headers=KEY))
    own = ok(client.post(f"{TEMPLATES}/{row['id']}/clone", json={"name": "Ours"},
                         headers=KEY), 201)
    theirs = ok(client.post(f"{TEMPLATES}/{row['id']}/clone", headers=GLOBEX_AS), 201)
    assert own["name"] == "Ours" and own["name_source"] == "user"
    assert own["definition"] == draft["definition"]
    assert theirs["definition"] == row["definition"]
    assert ok(client.get(f"{TEMPLATES}/{row['id']}", headers=KEY))["uses_count"] == (
        row["uses_count"] + 2)


def test_clone_goes_through_the_workflow_create_event(client: FlaskClient) -> None:
    template = starter(client)
    clone = ok(client.post(f"{TEMPLATES}/{template['id']}/clone", headers=KEY), 201)
    events = ok(client.get("/__mock/events"))["events"]
    assert [e["kind"] for e in events][-1] == "workflow.created"
    assert events[-1]["data"]["id"] == clone["id"]
    assert events[-1]["data"]["template"] == template["id"]


def test_clone_name_helper_keeps_only_usable_characters() -> None:
    assert template_commands.clone_name("  Daily\x00 brief\n ") == "Daily brief"
    assert template_commands.clone_name("\x07\x08") == "Untitled workflow"
    assert len(template_commands.clone_name("x" * 300)) == 200


# -- writes ---------------------------------------------------------------------------------

def test_create_update_delete_own_template(client: FlaskClient) -> None:
    definition = starter(client)["definition"]
    made = ok(client.post(TEMPLATES, json={"name": "Gate calls", "description": "Boarding",
                                           "category": "business", "definition": definition},
                          headers=KEY), 201)
    assert (made["is_public"], made["is_starter"], made["uses_count"]) == (False, False, 0)
    assert made["created_by"] == ADA and made["definition"] == definition
    changed = ok(client.patch(f"{TEMPLATES}/{made['id']}",
                              json={"name": "Gate calls v2", "description": None},
                              headers=session(ELI, ACME)))
    assert (changed["name"], changed["description"]) == ("Gate calls v2", None)
    assert changed["definition"] == definition and changed["category"] == "business"
    clone = ok(client.post(f"{TEMPLATES}/{made['id']}/clone", headers=KEY), 201)
    assert ok(client.delete(f"{TEMPLATES}/{made['id']}", headers=KEY)) == {}
    assert_error(client.get(f"{TEMPLATES}/{made['id']}", headers=KEY), 404, "NOT_FOUND")
    assert_error(client.delete(f"{TEMPLATES}/{made['id']}", headers=KEY), 404, "NOT_FOUND")
    assert ok(client.get(f"{WORKFLOWS}/{clone['id']}", headers=KEY))["definition"] == definition


def test_a_refused_graph_gets_the_workflow_422_details(client: FlaskClient) -> None:
    workflow = assert_error(client.post(WORKFLOWS, json={"name": "x", "definition": BROKEN},
                                        headers=KEY), 422, "VALIDATION_ERROR")
    template = assert_error(client.post(TEMPLATES, json={"name": "x", "definition": BROKEN},
                                        headers=KEY), 422, "VALIDATION_ERROR")
    assert template["error"]["details"] == workflow["error"]["details"]
    made = ok(client.post(TEMPLATES, json={"name": "ok"}, headers=KEY), 201)
    patched = assert_error(client.patch(f"{TEMPLATES}/{made['id']}", json={"definition": BROKEN},
                                        headers=KEY), 422, "VALIDATION_ERROR")
    assert patched["error"]["details"] == workflow["error"]["details"]
    nulled = assert_error(client.patch(f"{TEMPLATES}/{made['id']}", json={"definition": None},
                                       headers=KEY), 422, "VALIDATION_ERROR")
    assert [d["field"] for d in nulled["error"]["details"]] == ["definition"]
    assert_error(client.post(TEMPLATES, json={"name": "  "}, headers=KEY), 422,
                 "VALIDATION_ERROR")


def test_updates_leave_the_published_snapshot(client: FlaskClient) -> None:
    row = acme_published(client)
    ok(client.patch(f"{TEMPLATES}/{row['id']}", json={"name": "Renamed draft"}, headers=KEY))
    assert ok(client.get(f"{TEMPLATES}/{row['id']}", headers=KEY))["name"] == "Renamed draft"
    assert ok(client.get(f"{TEMPLATES}/{row['id']}", headers=GLOBEX_AS))["name"] == row["name"]


def test_starters_and_other_workspaces_templates_are_read_only(client: FlaskClient) -> None:
    first = starter(client)
    assert_error(client.delete(f"{TEMPLATES}/{first['id']}", headers=KEY), 403, "FORBIDDEN")
    assert_error(client.patch(f"{TEMPLATES}/{first['id']}", json={"name": "Mine now"},
                              headers=KEY), 403, "FORBIDDEN")
    row = acme_published(client)
    assert_error(client.delete(f"{TEMPLATES}/{row['id']}", headers=GLOBEX_AS), 403,
                 "FORBIDDEN")
    assert ok(client.get(f"{TEMPLATES}/{first['id']}", headers=KEY)) == first


def test_roles_and_scopes(client: FlaskClient) -> None:
    assert_error(client.get(TEMPLATES, headers=bearer(READ_ONLY_KEY)), 403, "FORBIDDEN")
    assert_error(client.post(TEMPLATES, json={"name": "x"}, headers=session(VERA, ACME)),
                 403, "FORBIDDEN")
    assert_error(client.post(TEMPLATES, json={"name": "x"}, headers=session(ELI)), 400,
                 "BAD_REQUEST")
    assert_error(client.get(TEMPLATES), 401, "INVALID_API_KEY")
    assert_error(client.get(f"{TEMPLATES}/not-an-id", headers=KEY), 422, "VALIDATION_ERROR")
    ok(client.get(TEMPLATES, headers=session(VERA, ACME)))


def test_templates_per_workspace_are_bounded(client: FlaskClient,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(template_commands, "MAX_TEMPLATES_PER_WORKSPACE", 6)  # 5 seeded
    ok(client.post(TEMPLATES, json={"name": "sixth"}, headers=KEY), 201)
    before = ok(client.get("/__mock/events"))["events"]
    assert_error(client.post(TEMPLATES, json={"name": "seventh"}, headers=KEY), 409, "CONFLICT")
    assert ok(client.get("/__mock/events"))["events"] == before


def test_a_workspace_reset_takes_its_templates_and_clones_away(client: FlaskClient) -> None:
    template = starter(client)
    ok(client.post(f"{TEMPLATES}/{template['id']}/clone", headers=GLOBEX_AS), 201)
    made = ok(client.post(TEMPLATES, json={"name": "Globex's"}, headers=GLOBEX_AS), 201)
    ok(client.post("/__mock/reset", json={"workspace_id": GLOBEX}))
    assert ok(client.get(f"{TEMPLATES}/{template['id']}", headers=KEY))["uses_count"] == (
        template["uses_count"])
    assert_error(client.get(f"{TEMPLATES}/{made['id']}", headers=GLOBEX_AS), 404, "NOT_FOUND")


_PROCESS = """
import json, sys
sys.path.insert(0, sys.argv[1])
from support import KEY, make_settings
from mockserver.app import create_app
client = create_app(make_settings()).test_client()
rows = client.get("/api/v1/templates?limit=100", headers=KEY).get_json()["data"]
mine = client.get("/api/v1/users/me/templates?limit=100", headers=KEY).get_json()["data"]
made = client.post("/api/v1/templates", json={"name": "n"}, headers=KEY).get_json()["data"]
guide = client.get("/api/v1/templates/" + rows[0]["id"] + "/estimate", headers=KEY).get_json()
words = client.get("/api/v1/dictionary/search?search=e&limit=50", headers=KEY).get_json()
print(json.dumps([rows, mine, made, guide["data"], words["data"]]))
"""


def test_templates_and_dictionary_are_the_same_in_another_process() -> None:
    here = Path(__file__).resolve().parent.parent
    outputs = []
    for hash_seed in ("0", "977"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed,
               "PYTHONPATH": os.pathsep.join([str(here), str(here.parent)])}
        done = subprocess.run([sys.executable, "-c", _PROCESS, str(here)], env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] and outputs[0][4]


def test_the_contract_links_create_clone_and_run() -> None:
    """Schemathesis' stateful chain follows these links: create template -> clone -> run."""
    spec = yaml.safe_load(DEFAULT_SPEC.read_text(encoding="utf-8"))
    created = spec["paths"][TEMPLATES]["post"]["responses"]["201"]["links"]
    cloned = spec["paths"][f"{TEMPLATES}/{{template_id}}/clone"]["post"]["responses"]["201"]
    assert created["CloneCreatedTemplate"]["operationId"] == "clone_template"
    assert cloned["links"]["StartRunOfClonedWorkflow"]["operationId"] == "start_run"
