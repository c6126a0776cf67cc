"""Workspaces, members and invites through the state engine: one event per write, seen by
every mock on the log, kept across a restart, and replayed to the same answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from mocks import events, mock_app
from support import ACME, ADA, ELI, assert_error, ok, session

from mockserver.app import mock_of
from mockserver.world.events import Event

OPS = "e1365c5b-aa80-595b-82fb-d859c47a9686"  # ops@globex.example
WORKSPACES = "/api/v1/workspaces"


@pytest.fixture
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh state URL of a backend that several mocks can share."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return f"{request.getfixturevalue('redis_url')}?namespace=people-{tmp_path.name}"


def _story(client: FlaskClient) -> dict[str, Any]:
    """Create a workspace, invite Ops, accept, promote, rename: one event each."""
    made = ok(client.post(WORKSPACES, json={"name": "Shared lab"}, headers=session(ADA)), 201)
    invite = ok(client.post(f"{WORKSPACES}/{made['id']}/invites", headers=session(ADA),
                            json={"email": "ops@globex.example", "role": "viewer"}), 201)
    ok(client.post(f"{WORKSPACES}/invites/{invite['id']}/accept", headers=session(OPS)))
    ok(client.patch(f"{WORKSPACES}/{made['id']}/members/{invite['id']}", headers=session(ADA),
                    json={"role": "editor"}))
    ok(client.patch(f"{WORKSPACES}/{made['id']}", json={"name": "Renamed lab"},
                    headers=session(ADA)))
    return {"workspace": made["id"], "invite": invite["id"]}


def _views(client: FlaskClient, workspace: str) -> list[Any]:
    return [ok(client.get(WORKSPACES, headers=session(ADA))),
            ok(client.get(f"{WORKSPACES}/{workspace}/members", headers=session(ADA))),
            ok(client.get(f"{WORKSPACES}/{workspace}/settings", headers=session(OPS)))]


def test_each_write_is_one_event_and_a_refusal_none(state_url: str) -> None:
    client = mock_app(state_url).test_client()
    story = _story(client)
    assert [e["kind"] for e in events(client)] == [
        "workspace.created", "member.invited", "invite.accepted", "member.role_changed",
        "workspace.settings_changed"]
    before = events(client)
    assert_error(client.post(f"{WORKSPACES}/invites/{story['invite']}/accept",
                             headers=session(ELI)), 403, "FORBIDDEN")
    assert_error(client.post(WORKSPACES, json={"name": "x", "slug": "acme-voice"},
                             headers=session(ADA)), 409, "WORKSPACE_SLUG_TAKEN")
    assert events(client) == before


@pytest.mark.parametrize("shared_url", ["sqlite", "redis"], indirect=True)
def test_two_mocks_on_one_log_agree_on_members(shared_url: str) -> None:
    """A role changed through one mock applies to the next request of the other."""
    left, right = mock_app(shared_url).test_client(), mock_app(shared_url).test_client()
    story = _story(left)
    assert _views(left, story["workspace"]) == _views(right, story["workspace"])
    eli = next(m["id"] for m in ok(right.get(f"{WORKSPACES}/{ACME}/members",
                                             headers=session(ADA))) if m["user_id"] == ELI)
    ok(right.patch(f"{WORKSPACES}/{ACME}/members/{eli}", json={"role": "viewer"},
                   headers=session(ADA)))
    workflow = ok(left.get("/api/v1/workflows", headers=session(ELI, ACME)))[0]["id"]
    assert_error(left.post(f"/api/v1/workflows/{workflow}/runs", json={},
                           headers=session(ELI, ACME)), 403, "FORBIDDEN")


def test_a_restart_and_a_replay_give_the_same_answers(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'people.db'}"
    first = mock_app(url).test_client()
    story = _story(first)
    expected = _views(first, story["workspace"])
    assert _views(mock_app(url).test_client(), story["workspace"]) == expected
    replayed = mock_app("memory")
    recorded = [Event(e["seq"], e["kind"], e["data"]) for e in events(first)]
    mock_of(replayed).engine.replay(recorded)
    assert _views(replayed.test_client(), story["workspace"]) == expected


_PROCESS_STORY = """
import json, sys
sys.path[:0] = sys.argv[1:3]
from mocks import mock_app
from test_shared_people import _story, _views
client = mock_app("memory").test_client()
story = _story(client)
print(json.dumps({"story": story, "views": _views(client, story["workspace"])}))
"""


def test_another_process_gives_the_same_bytes() -> None:
    """The same story in processes with other PYTHONHASHSEEDs: the same ids and bodies."""
    here = Path(__file__).parent
    outputs = []
    for hash_seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed,
               "PYTHONPATH": os.pathsep.join([str(here), str(here.parent), str(here.parents[1])])}
        done = subprocess.run([sys.executable, "-c", _PROCESS_STORY, str(here), str(here.parent)],
                              env=env, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]
    assert outputs[0]["views"][1][1]["id"] == outputs[0]["story"]["invite"]
