"""Fixture files (mockserver/world/state/fixtures.py): what a file pins shows over the API, the rest
is generated, and every bad file stops ``create_app`` naming the file, the line and the field.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient
from support import bearer, make_settings, ok, session

from mockserver.app import create_app
from mockserver.errors import FixtureError, StartupError

WORKFLOWS = "/api/v1/workflows"
PINNED_WS = "a0000000-0000-4000-8000-000000000001"
MIXED_WS = "a0000000-0000-4000-8000-000000000002"
PAM, VIC = "b0000000-0000-4000-8000-000000000001", "b0000000-0000-4000-8000-000000000002"
PAM_KEY = "op_live_pinnedWorkspaceAllScopes000000001"
VIC_KEY = "op_live_pinnedWorkspaceReadOnly0000000002"
MIXED_KEY = "op_live_mixedWorkspaceKey000000000000003"
FULL = "c0000000-0000-4000-8000-000000000001"
NAMED_ONLY = "c0000000-0000-4000-8000-000000000002"
MIXED_PIN = "c0000000-0000-4000-8000-000000000003"
RUN_STATUSES = ("completed", "failed", "cancelled", "paused", "running", "pending")

DEFINITION = """\
    definition:
      graph:
        nodes:
          - {id: source_1, type: source_script, name: Script, position: {x: 0, y: 0},
             config: {text: "Hello there.\\nGoodbye now.", source_language: en-us}}
          - {id: generator_1, type: operator_generator, name: Voices,
             position: {x: 200, y: 0}, config: {}}
          - {id: sink_1, type: sink_preview, name: Export, position: {x: 400, y: 0},
             config: {format: mp3}}
        edges:
          - {id: e1, source: source_1, sourcePort: lines, target: generator_1,
             targetPort: lines}
          - {id: e2, source: generator_1, sourcePort: lines, target: sink_1,
             targetPort: lines}
      execution: {steps: [source_1, generator_1, sink_1]}
"""

FIXTURES = f"""\
workspaces:
  - id: {PINNED_WS}
    name: Pinned Pictures
    slug: pinned-pictures
    credit_balance: 900
    concurrent_run_limit: 9
    workflow_count: 0
  - id: {MIXED_WS}
    name: Mixed Media
    slug: mixed-media
    workflow_count: 3
users:
  - {{id: {PAM}, name: Pam Pinned, email: pam@pinned.example}}
  - {{id: {VIC}, name: Vic Viewer, email: vic@pinned.example}}
memberships:
  - {{workspace: {PINNED_WS}, user: {PAM}, role: admin}}
  - {{workspace: {PINNED_WS}, user: {VIC}, role: viewer}}
  - {{workspace: {MIXED_WS}, user: {PAM}, role: editor}}
api_keys:
  - id: d0000000-0000-4000-8000-000000000001
    name: Pam's key
    key: {PAM_KEY}
    workspace: {PINNED_WS}
    user: {PAM}
    scopes: [workflows:read, workflows:write, workflows:run]
  - id: d0000000-0000-4000-8000-000000000002
    name: Vic's key
    key: {VIC_KEY}
    workspace: {PINNED_WS}
    user: {VIC}
    scopes: [workflows:read]
  - id: d0000000-0000-4000-8000-000000000003
    name: Mixed key
    key: {MIXED_KEY}
    workspace: {MIXED_WS}
    user: {PAM}
    scopes: [workflows:read]
workflows:
  - workspace: {PINNED_WS}
    id: {FULL}
    user_id: {VIC}
    name: Fully pinned
    description: Every field given.
    created_at: "2026-06-01T08:00:00Z"
    updated_at: "2026-06-02T09:30:00.250Z"
{DEFINITION}    runs:
      - {{id: e0000000-0000-4000-8000-000000000001, status: completed,
         created_at: "2026-06-03T10:00:00Z", triggered_by: {VIC}}}
      - {{id: e0000000-0000-4000-8000-000000000002, status: failed}}
      - {{id: e0000000-0000-4000-8000-000000000003, status: cancelled}}
      - {{id: e0000000-0000-4000-8000-000000000004, status: paused}}
      - {{id: e0000000-0000-4000-8000-000000000005, status: running}}
      - {{id: e0000000-0000-4000-8000-000000000006, status: pending}}
  - workspace: {PINNED_WS}
    id: {NAMED_ONLY}
    name: Only the name
  - workspace: {MIXED_WS}
    id: {MIXED_PIN}
    name: Pinned among generated
uploads:
  - workflow: {FULL}
    filename: welcome-script.txt
    category: script
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    path = tmp_path_factory.mktemp("fixtures") / "pinned.yaml"
    path.write_text(FIXTURES, encoding="utf-8")
    app = create_app(make_settings(fixtures_path=path))
    app.testing = True
    return app.test_client()




PAM_H, VIC_H, MIXED_H = bearer(PAM_KEY), bearer(VIC_KEY), bearer(MIXED_KEY)


# -- a good file ---------------------------------------------------------------------------------


def test_workflow_count_zero_gives_only_pinned_workflows(client: FlaskClient) -> None:
    """A workspace with workflow_count: 0 lists exactly its pinned workflows."""
    rows = ok(client.get(f"{WORKFLOWS}?limit=100&sort=name", headers=PAM_H))
    assert sorted(r["id"] for r in rows) == sorted([FULL, NAMED_ONLY])


def test_pinned_workflow_fields_appear_over_the_api(client: FlaskClient) -> None:
    """Every pinned field is served as written; a pinned name makes name_source user."""
    workflow = ok(client.get(f"{WORKFLOWS}/{FULL}", headers=PAM_H))
    assert workflow["name"] == "Fully pinned" and workflow["name_source"] == "user"
    assert workflow["description"] == "Every field given." and workflow["user_id"] == VIC
    assert workflow["created_at"] == "2026-06-01T08:00:00.000Z"
    assert workflow["updated_at"] == "2026-06-02T09:30:00.250Z"
    graph = workflow["definition"]["graph"]
    assert [n["id"] for n in graph["nodes"]] == ["source_1", "generator_1", "sink_1"]
    assert workflow["definition"]["execution"]["steps"] == ["source_1", "generator_1", "sink_1"]


def test_unpinned_workflow_fields_are_generated(client: FlaskClient) -> None:
    """A workflow pinned by name only gets a generated definition, dates and creator."""
    workflow = ok(client.get(f"{WORKFLOWS}/{NAMED_ONLY}", headers=PAM_H))
    assert workflow["name"] == "Only the name" and workflow["name_source"] == "user"
    assert workflow["definition"]["graph"]["nodes"]  # a generated graph
    assert workflow["created_at"] <= workflow["updated_at"]
    assert workflow["user_id"] in (PAM, VIC)  # one of the workspace's members


def test_pinned_runs_have_their_statuses(client: FlaskClient) -> None:
    """Runs pinned by status show that status; the pinned id, date and trigger are kept."""
    runs = ok(client.get(f"{WORKFLOWS}/{FULL}/runs?limit=100&sort=created_at&order=asc",
                         headers=PAM_H))
    by_id = {r["id"][-1]: r for r in runs}
    assert {k: r["status"] for k, r in by_id.items()} == \
        {str(i): s for i, s in enumerate(RUN_STATUSES, start=1)}
    first = ok(client.get(f"{WORKFLOWS}/{FULL}/runs/{by_id['1']['id']}", headers=PAM_H))
    assert first["created_at"] == "2026-06-03T10:00:00.000Z"
    assert first["triggered_by"] == {"user_id": VIC, "user_name": "Vic Viewer"}
    assert first["run_number"] == 1 and first["definition_snapshot"]["graph"]["nodes"]
    failed = ok(client.get(f"{WORKFLOWS}/{FULL}/runs/{by_id['2']['id']}", headers=PAM_H))
    assert failed["error"]


def test_pinned_upload_has_its_fields(client: FlaskClient) -> None:
    """A pinned upload keeps its filename and category; the rest is generated."""
    uploads = ok(client.get(f"{WORKFLOWS}/{FULL}/uploads", headers=PAM_H))
    assert len(uploads) == 1
    upload = uploads[0]
    assert upload["filename"] == "welcome-script.txt" and upload["category"] == "script"
    assert upload["workspace_id"] == PINNED_WS and upload["context_id"] == FULL
    assert upload["size_bytes"] > 0 and upload["download_url"]


def test_pinned_workflows_join_generated_ones(client: FlaskClient) -> None:
    """workflow_count: 3 plus one pin gives four workflows, the pinned one among them."""
    rows = ok(client.get(f"{WORKFLOWS}?limit=100", headers=MIXED_H))
    assert len(rows) == 4 and MIXED_PIN in {r["id"] for r in rows}


def test_pinned_keys_scopes_and_roles_apply(client: FlaskClient) -> None:
    """Keys carry their scopes and sessions their role from the file."""
    assert client.post(WORKFLOWS, json={"name": "x"}, headers=VIC_H).status_code == 403
    assert client.post(WORKFLOWS, json={"name": "x"}, headers=MIXED_H).status_code == 403
    assert client.post(WORKFLOWS, json={"name": "x"},
                       headers=session(VIC, PINNED_WS)).status_code == 403
    assert client.get(WORKFLOWS, headers=session(PAM, MIXED_WS)).status_code == 200
    who = ok(client.get("/api/v1/auth/whoami", headers=PAM_H))
    assert who["workspace_id"] == PINNED_WS
    assert who["scopes"] == ["workflows:read", "workflows:run", "workflows:write"]


def test_a_json_fixture_file_loads(tmp_path: Path) -> None:
    """The same document written as JSON is accepted too."""
    path = tmp_path / "pinned.json"
    path.write_text(json.dumps(yaml.safe_load(FIXTURES), indent=2), encoding="utf-8")
    client = create_app(make_settings(fixtures_path=path)).test_client()
    assert len(ok(client.get(f"{WORKFLOWS}?limit=100", headers=PAM_H))) == 2


# -- bad files -----------------------------------------------------------------------------------

HEAD = f"""\
workspaces:
  - id: {PINNED_WS}
    name: Pinned Pictures
    slug: pinned-pictures
users:
  - id: {PAM}
    name: Pam Pinned
    email: pam@pinned.example
memberships:
  - {{workspace: {PINNED_WS}, user: {PAM}, role: admin}}
"""
KEY_HEAD = f"""\
api_keys:
  - id: d0000000-0000-4000-8000-000000000001
    name: key
    workspace: {PINNED_WS}
    user: {PAM}
"""
WORKFLOW_HEAD = f"""\
workflows:
  - workspace: {PINNED_WS}
    name: Bad one
"""

def bad_cases() -> list[Any]:
    """Each case: the text after HEAD ("#<" marks the offending line), the field the message
    names, and a part of the message."""
    key = KEY_HEAD
    flow = WORKFLOW_HEAD
    return [
        pytest.param("robots: []  #<\n", "robots", "unknown section", id="unknown-section"),
        pytest.param("api_keys: {id: 1}  #<\n", "api_keys", "must be a list",
                     id="wrong-type-section"),
        pytest.param(f"{key}    key: {PAM_KEY}\n    scopes: workflows:read  #<\n",
                     "api_keys[0].scopes", "must be a list", id="wrong-type-scopes"),
        pytest.param(f"{flow}    description: 42  #<\n", "workflows[0].description",
                     "is not of type", id="wrong-type-pinned-field"),
        pytest.param(f"{flow}    colour: red  #<\n", "workflows[0].colour",
                     "not a field of WorkflowOut", id="unknown-workflow-field"),
        pytest.param(f"{flow}    runs:\n      - {{status: completed, speed: 2}}  #<\n",
                     "workflows[0].runs[0].speed", "unknown key", id="unknown-run-field"),
        pytest.param(f"{flow}    runs:\n      - {{status: exploded}}  #<\n",
                     "workflows[0].runs[0].status", "must be one of", id="bad-run-status"),
        pytest.param("workflows:\n  - workspace: a0000000-0000-4000-8000-00000000dead  #<\n",
                     "workflows[0].workspace", "unknown workspace", id="unknown-workspace-ref"),
        pytest.param(f"memberships:\n  - {{workspace: {PINNED_WS}, "
                     "user: b0000000-0000-4000-8000-00000000dead, role: admin}  #<\n",
                     "memberships[0].user", "unknown user", id="unknown-user-ref"),
        pytest.param("uploads:\n  - {workflow: c0000000-0000-4000-8000-00000000dead}  #<\n",
                     "uploads[0].workspace", "unknown workspace", id="upload-unknown-workflow"),
        pytest.param(f"{flow}    definition:  #<\n      graph:\n        nodes: []\n"
                     "        edges: [{id: e1, source: a, target: b}]\n"
                     "      execution: {}\n", "workflows[0].definition.graph.edges[0].target",
                     "'b' is not the id of a node", id="invalid-graph"),
        pytest.param(f"{key}    key: op_test_notLive0000000000000000000001  #<\n"
                     "    scopes: [workflows:read]\n", "api_keys[0].key", "must be op_live_",
                     id="bad-key-prefix"),
        pytest.param(f"{key}    key: {PAM_KEY}\n    scopes: [workflows:read, workflows:fly]  #<\n",
                     "api_keys[0].scopes", "workflows:fly", id="unknown-scope"),
        pytest.param(f"memberships:\n  - {{workspace: {PINNED_WS}, user: {PAM}, "
                     "role: owner}  #<\n", "memberships[0].role", "must be one of",
                     id="bad-role"),
        pytest.param("workspaces:\n  - id: not-a-uuid  #<\n    name: n\n    slug: s\n",
                     "workspaces[0].id", "is not a UUID", id="bad-uuid"),
        pytest.param(f"workspaces:\n  - id: {PINNED_WS}\n    name: n\n    slug: s\n"
                     "    workflow_count: lots  #<\n", "workspaces[0].workflow_count",
                     "expected an integer", id="wrong-type-integer"),
        pytest.param(f"workspaces:\n  - id: {PINNED_WS}\n    name: n\n    slug: s\n"
                     "    workflow_cont: 0  #<\n", "workspaces[0].workflow_cont", "unknown",
                     id="unknown-workspace-field"),
        pytest.param(f"{key}    key: {PAM_KEY}\n    scopes: [workflows:read]\n"
                     "    scope: [workflows:write]  #<\n", "api_keys[0].scope", "unknown",
                     id="unknown-key-field"),
        pytest.param(f"workspaces:\n  - id: {PINNED_WS}\n    name: n\n    slug: s\n"
                     f"    owner: {VIC}  #<\n", "workspaces[0].owner",
                     "must be an admin member", id="owner-not-an-admin"),
        pytest.param(f"users:\n  - {{id: {PAM}, name: Pam, email: pam@pinned.example}}\n"
                     f"  - {{id: {VIC}, name: Vic, email: vic@pinned.example}}\n"
                     f"{flow}    runs:\n      - {{status: completed, triggered_by: {VIC}}}  #<\n",
                     "workflows[0].runs[0].triggered_by", "must be a member",
                     id="run-started-by-a-stranger"),
    ]


def write_bad(tmp_path: Path, tail: str) -> tuple[Path, str]:
    """HEAD + tail as a file; a section in ``tail`` replaces HEAD's section of that name."""
    replaced = set(yaml.safe_load(tail) or {})
    head_sections = [s for s in yaml.safe_load(HEAD) if s not in replaced]
    text = "".join(_section(HEAD, s) for s in head_sections) + tail
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text


def _section(text: str, name: str) -> str:
    """The lines of one top-level section of ``text``."""
    lines, out, inside = text.splitlines(keepends=True), [], False
    for line in lines:
        if line and not line[0].isspace():
            inside = line.startswith(f"{name}:")
        if inside:
            out.append(line)
    return "".join(out)


def marked_line(text: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if "#<" in line)


@pytest.mark.parametrize(("tail", "field", "message"), bad_cases())
def test_bad_file_stops_startup_naming_file_line_and_field(tmp_path: Path, tail: str,
                                                           field: str, message: str) -> None:
    """create_app raises FixtureError: '<file>:<line>: <field>: <message>'."""
    path, text = write_bad(tmp_path, textwrap.dedent(tail))
    with pytest.raises(FixtureError) as caught:
        create_app(make_settings(fixtures_path=path))
    problems = caught.value.problems
    prefix = f"{path}:{marked_line(text)}: {field}: "
    matching = [p for p in problems if p.startswith(prefix) and message in p]
    assert matching, problems
    assert isinstance(caught.value, StartupError) and str(path) in str(caught.value)


def test_every_problem_of_a_file_is_reported(tmp_path: Path) -> None:
    """A file with several problems lists them all, each with its own line."""
    tail = (f"{KEY_HEAD}    key: op_test_x\n    scopes: [nope]\n"
            f"{WORKFLOW_HEAD}    runs: [{{status: exploded}}]\n")
    path, _ = write_bad(tmp_path, tail)
    with pytest.raises(FixtureError) as caught:
        create_app(make_settings(fixtures_path=path))
    fields = [p.split(": ")[1] for p in caught.value.problems]
    assert {"api_keys[0].key", "api_keys[0].scopes", "workflows[0].runs[0].status"} <= \
        set(fields), caught.value.problems


@pytest.mark.parametrize(("text", "message"), [
    ("workspaces: [\n", "not valid YAML or JSON"),
    ("- a list\n", "the top level must be a mapping"),
    ("users: []\n", "at least one workspace is required"),
])
def test_unusable_files_stop_startup(tmp_path: Path, text: str, message: str) -> None:
    """Unparseable, non-mapping and workspace-less files are refused with the file named."""
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FixtureError, match=message) as caught:
        create_app(make_settings(fixtures_path=path))
    assert str(path) in str(caught.value)


def test_missing_file_stops_startup(tmp_path: Path) -> None:
    """A fixtures path that does not exist is a StartupError naming it."""
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(StartupError, match="cannot read fixtures") as caught:
        create_app(make_settings(fixtures_path=path))
    assert str(path) in str(caught.value)
