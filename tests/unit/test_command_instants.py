"""Every command of the people, content and billing services decides and stamps at the
engine's instant: never before the newest event it has seen (issue 26's rule, which the
workflow and run commands already kept).

The race is simulated as the issue-26 race test does it, without timing: the command's
request carries ``X-Mock-Delay``, which holds it after its arrival instant was taken, and
while it is held (the pipeline's sleep, replaced here) the clock moves an hour on and
another write lands at that later instant. The held request then decides with its arrival
instant an hour behind the newest event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from flask.testing import FlaskClient
from support import ACME, ADA, ELI, FROZEN_AT, KEY, VERA, ok, session

from mockserver import pipeline
from mockserver.app import mock_of
from mockserver.world.service import billing, control, workflows, workspaces
from mockserver.world.service.appliers import typed
from mockserver.world.service.engine import StateEngine

LATER = FROZEN_AT + timedelta(hours=1)
HELD = {"X-Mock-Delay": "1ms"}
OPS = "e1365c5b-aa80-595b-82fb-d859c47a9686"  # ops@globex.example, not in Acme
VOICE = "be7844d6-16ce-5384-8d85-765cd2bfbec3"  # Atlas, a catalog voice
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)
DICTIONARY, TEMPLATES, UPLOADS = "/api/v1/dictionary", "/api/v1/templates", "/api/v1/uploads"
WORKSPACES = "/api/v1/workspaces"
INVITES = f"{WORKSPACES}/{ACME}/invites"


def _as(user: str, workspace: str | None = None) -> dict[str, str]:
    """A session that outlives the hour the clock moves."""
    return session(user, workspace, ttl=86400)


@dataclass(frozen=True)
class Held:
    """The request to hold, made after ``prepare`` (which returns its path)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any = None
    raw: bytes | None = None
    status: int = 200
    stamp: str | None = None  # a field of the answer holding the instant the command decided


Prepare = Callable[[FlaskClient], Held]


def _workflow(client: FlaskClient) -> str:
    return str(ok(client.get("/api/v1/workflows?limit=1", headers=KEY))[0]["id"])


def _entry(client: FlaskClient) -> str:
    made = ok(client.post(DICTIONARY, headers=KEY, json={
        "word": "Podonos", "method": "spelled", "language": "en-us",
        "pronunciation": "Poh-doh-nohs"}), 201)
    return str(made["id"])


def _template(client: FlaskClient) -> str:
    return str(ok(client.post(TEMPLATES, json={"name": "Gate calls"}, headers=KEY), 201)["id"])


def _upload(client: FlaskClient, stored: bool) -> dict[str, Any]:
    made: dict[str, Any] = ok(client.post(UPLOADS, headers=KEY, json={
        "filename": "word.wav", "category": "dictionary"}), 201)
    if stored:
        _put_bytes(client, made, {})
    return made


def _put_bytes(client: FlaskClient, made: dict[str, Any], headers: dict[str, str]) -> None:
    response = client.put(made["upload_url"].replace("http://localhost", ""), data=WAV,
                          headers={"Content-Type": "audio/wav", **headers})
    assert response.status_code == 200, response.get_data(as_text=True)


def _invite(client: FlaskClient) -> str:
    made = ok(client.post(INVITES, json={"email": "ops@globex.example", "role": "editor"},
                          headers=_as(ADA)), 201)
    return str(made["id"])


def _member(client: FlaskClient, user_id: str) -> str:
    rows = ok(client.get(f"{WORKSPACES}/{ACME}/members", headers=_as(ADA)))
    return next(str(row["id"]) for row in rows if row["user_id"] == user_id)


def _own_workspace(client: FlaskClient) -> str:
    return str(ok(client.post(WORKSPACES, json={"name": "Lab"}, headers=_as(ADA)), 201)["id"])


COMMANDS: dict[str, Prepare] = {
    "create_dictionary_entry": lambda c: Held(
        "POST", DICTIONARY, KEY, {"word": "Held", "method": "spelled", "language": "en-us",
                                  "pronunciation": "Helled"}, status=201, stamp="created_at"),
    "update_dictionary_entry": lambda c: Held(
        "PUT", f"{DICTIONARY}/{_entry(c)}", KEY, {"word": "Podonos AI"}, stamp="updated_at"),
    "delete_dictionary_entry": lambda c: Held("DELETE", f"{DICTIONARY}/{_entry(c)}", KEY),
    "create_template": lambda c: Held("POST", TEMPLATES, KEY, {"name": "Held"}, status=201,
                                      stamp="created_at"),
    "update_template": lambda c: Held("PATCH", f"{TEMPLATES}/{_template(c)}", KEY,
                                      {"name": "Renamed"}, stamp="updated_at"),
    "delete_template": lambda c: Held("DELETE", f"{TEMPLATES}/{_template(c)}", KEY),
    "create_upload": lambda c: Held("POST", UPLOADS, KEY, {"filename": "word.wav",
                                                           "category": "dictionary"},
                                    status=201),
    "store_upload_bytes": lambda c: Held(
        "PUT", _upload(c, stored=False)["upload_url"].replace("http://localhost", ""),
        {"Content-Type": "audio/wav"}, raw=WAV),
    "confirm_upload": lambda c: Held(
        "POST", f"{UPLOADS}/{_upload(c, stored=True)['upload']['id']}", KEY,
        {"context_type": "workflow", "context_id": _workflow(c)}, stamp="updated_at"),
    "delete_upload": lambda c: Held(
        "DELETE", f"{UPLOADS}/{_upload(c, stored=False)['upload']['id']}", KEY),
    "favorite_voice": lambda c: Held("POST", f"/api/v1/voices/{VOICE}/favorite", KEY),
    "unfavorite_voice": lambda c: (
        ok(c.post(f"/api/v1/voices/{VOICE}/favorite", headers=KEY)),
        Held("DELETE", f"/api/v1/voices/{VOICE}/favorite", KEY))[1],
    "create_invite": lambda c: Held("POST", INVITES, _as(ADA), {"email": "new@example.com",
                                                                "role": "viewer"},
                                    status=201, stamp="created_at"),
    "revoke_invite": lambda c: Held("DELETE", f"{INVITES}/{_invite(c)}", _as(ADA)),
    "update_invite_role": lambda c: Held("PATCH", f"{INVITES}/{_invite(c)}", _as(ADA),
                                         {"role": "viewer"}),
    "accept_invite": lambda c: Held("POST", f"{WORKSPACES}/invites/{_invite(c)}/accept",
                                    _as(OPS)),
    "update_member_role": lambda c: Held(
        "PATCH", f"{WORKSPACES}/{ACME}/members/{_member(c, ELI)}", _as(ADA), {"role": "viewer"}),
    "remove_member": lambda c: Held(
        "DELETE", f"{WORKSPACES}/{ACME}/members/{_member(c, VERA)}", _as(ADA)),
    "create_workspace": lambda c: Held("POST", WORKSPACES, _as(ADA), {"name": "Held"},
                                       status=201, stamp="created_at"),
    "update_workspace": lambda c: Held("PATCH", f"{WORKSPACES}/{ACME}", _as(ADA),
                                       {"name": "Acme Held"}, stamp="updated_at"),
    "delete_workspace": lambda c: Held("DELETE", f"{WORKSPACES}/{_own_workspace(c)}",
                                       _as(ADA)),
}


def _change_a_workflow(engine: StateEngine, workflow_id: str) -> None:
    workflows.change_workflow(engine, ACME, workflow_id, {"description": "Later"}, LATER)


def _create_a_workspace(engine: StateEngine, _workflow_id: str) -> None:
    workspaces.create_workspace(engine, ADA, {"name": "Later"}, LATER)


# The write that lands at the later instant while the command's request is held.
LATER_WRITES: dict[str, Callable[[StateEngine, str], None]] = {
    "workflow changed": _change_a_workflow,
    "workspace created": _create_a_workspace,  # its instant travels in its options
}


@pytest.fixture
def engine(client: FlaskClient) -> StateEngine:
    return mock_of(client.application).engine


def _hold_with(monkeypatch: pytest.MonkeyPatch, later_write: Callable[[], None]) -> None:
    """A held request's wait runs ``later_write`` instead of sleeping (once)."""
    pending = [later_write]

    def wait(_seconds: float) -> None:
        assert pending, "only the command's request is held"
        pending.pop()()

    monkeypatch.setattr(pipeline, "time", SimpleNamespace(sleep=wait))


def _at_later_instant(engine: StateEngine, write: Callable[[StateEngine, str], None],
                      workflow_id: str) -> Callable[[], None]:
    def later_write() -> None:
        control.set_clock(engine, frozen_at=LATER)
        write(engine, workflow_id)
        assert engine.newest_instant == LATER

    return later_write


def _send(client: FlaskClient, held: Held) -> Any:
    headers = {**held.headers, **HELD}
    if held.raw is not None:
        return client.open(held.path, method=held.method, data=held.raw, headers=headers)
    return client.open(held.path, method=held.method, json=held.body, headers=headers)


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.mark.parametrize("later", sorted(LATER_WRITES))
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_held_command_never_stamps_before_the_newest_event(
        client: FlaskClient, engine: StateEngine, monkeypatch: pytest.MonkeyPatch,
        command: str, later: str) -> None:
    held = COMMANDS[command](client)
    workflow_id = _workflow(client)
    seen = engine.log.head()
    _hold_with(monkeypatch, _at_later_instant(engine, LATER_WRITES[later], workflow_id))
    response = _send(client, held)
    assert response.status_code == held.status, response.get_data(as_text=True)
    mine = [e for e in engine.events() if e.seq > seen][2:]  # after clock set, later write
    assert len(mine) == 1, [e.kind for e in mine]
    assert typed(mine[0]).instant() == LATER, (mine[0].kind, mine[0].data)
    if held.stamp is not None:
        assert _parse(response.get_json()["data"][held.stamp]) == LATER


def test_a_billing_change_never_takes_effect_before_the_newest_event(
        engine: StateEngine) -> None:
    """The control API takes no delay: its command is called as a late request would."""
    control.set_clock(engine, frozen_at=LATER)
    workspaces.create_workspace(engine, ADA, {"name": "Later"}, LATER)
    billing.set_billing(engine, ACME, {"credit_balance": 10}, FROZEN_AT)
    assert typed(engine.events()[-1]).instant() == LATER
