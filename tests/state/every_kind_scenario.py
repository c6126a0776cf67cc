"""Commands that write every kind of event at least once (and every run control), through
the service functions the handlers call, with the fields in the order the handlers give
them; and what a client then reads.

``python tests/state/every_kind_scenario.py`` (from the repository root) writes the log the
scenario leaves to ``data/every_kind_events.jsonl``: the stored form the tests hold the
code to. Rewrite it only when an event's stored form changes on purpose, since logs already
written in the old form must still load.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "data" / "every_kind_events.jsonl"
sys.path[:0] = [str(HERE.parent), str(HERE)]

from flask import Flask  # noqa: E402
from support import ACME, ADA, FROZEN_AT, KEY, session  # noqa: E402

from mockserver.app import mock_of  # noqa: E402
from mockserver.world.dataset.templates import platform_templates  # noqa: E402
from mockserver.world.dataset.voice_population import visible_voices  # noqa: E402
from mockserver.world.events import Event, encode  # noqa: E402
from mockserver.world.service import (  # noqa: E402
    billing,
    control,
    dictionary,
    members,
    runs,
    templates,
    uploads,
    voices,
    workflows,
    workspaces,
)
from mockserver.world.service.engine import StateEngine  # noqa: E402

OPS = "e1365c5b-aa80-595b-82fb-d859c47a9686"  # ops@globex.example, not in Acme
LOADED = "workflows:\n  - workspace: " + ACME + "\n    name: Loaded at run time\n"
SCRIPT = b"The first line.\nThe second line.\n"


def stored_lines(events: list[Event]) -> list[str]:
    """The events as the log stores them, one per line."""
    return [encode(e.kind, e.data) for e in events]


def _workflows(engine: StateEngine) -> None:
    now = FROZEN_AT
    fields = {"name": "Kinds", "name_source": "user", "description": None,
              "definition": {"graph": {"nodes": [], "edges": []}, "execution": {}}}
    made = workflows.create_workflow(engine, ACME, ADA, fields, now)
    workflows.change_workflow(engine, ACME, made.id, {"name": "Kinds, renamed",
                                                      "name_source": "user"}, now)
    copied = workflows.duplicate_workflow(engine, ACME, made.id, ADA, now)
    workflows.delete_workflow(engine, ACME, copied.id, now)


def _runs(engine: StateEngine) -> None:
    now, who = FROZEN_AT, {"user_id": ADA, "user_name": "Ada"}
    runnable = runs.runnable_workflows(engine, ACME, now)
    first = workflows.duplicate_workflow(engine, ACME, runnable[0], ADA, now).id
    second = workflows.duplicate_workflow(engine, ACME, runnable[1], ADA, now).id
    _state, run = runs.start_run(engine, ACME, first, who, {}, now)
    runs.pause_run(engine, ACME, first, run.id, now)  # asked for: drains at the wave's end
    runs.resume_run(engine, ACME, first, run.id, now)
    runs.cancel_run(engine, ACME, first, run.id, now)
    _state, other = runs.start_run(engine, ACME, second, who, {}, now)
    control.force_run(engine, other.id, {"status": "running"}, now)
    control.force_run(engine, other.id, {"status": "paused", "pause_reason": "node_timeout"}, now)
    control.force_run(engine, other.id, {"status": "failed", "error": "Forced"}, now)
    _state, third = runs.start_run(engine, ACME, first, who, {}, now)
    control.force_run(engine, third.id, {"status": "completed"}, now)


def _people(engine: StateEngine) -> None:
    now = FROZEN_AT
    invite = members.create_invite(engine, ACME, ADA, "ops@globex.example", "editor", now)
    members.change_invite_role(engine, ACME, invite.id, "viewer", ADA, now)
    members.accept_invite(engine, invite.id, OPS, now)
    members.change_member_role(engine, ACME, invite.id, "editor", ADA, now)
    members.remove_member(engine, ACME, invite.id, ADA, now)
    other = members.create_invite(engine, ACME, ADA, "someone@example.com", "viewer", now)
    members.revoke_invite(engine, ACME, other.id, ADA, now)
    workspace_id = workspaces.create_workspace(engine, ADA, {"name": "Ada's own"}, now)
    workspaces.update_workspace(engine, workspace_id, ADA, {"name": "Ada's, renamed"}, now)
    workspaces.delete_workspace(engine, workspace_id, ADA, now)
    billing.set_billing(engine, ACME, {"plan": "pro", "credit_balance": 90_000}, now)
    billing.update_notification_preferences(engine, ADA, {"failed_generation_email": False})


def _content(engine: StateEngine) -> None:
    now = FROZEN_AT
    fields = {"name": "Kinds template", "description": None, "category": "media",
              "definition": {"graph": {"nodes": [], "edges": []}, "execution": {}}}
    template = templates.create_template(engine, ACME, ADA, fields, now)
    templates.change_template(engine, ACME, template.id, {"description": "Described"}, now)
    templates.clone_template(engine, ACME, template.id, ADA, None, now)
    starter = next(iter(platform_templates(engine.world)))
    templates.favorite_template(engine, ADA, starter, [ACME])
    templates.unfavorite_template(engine, ADA, starter)
    templates.delete_template(engine, ACME, template.id, now)
    entry = dictionary.create_entry(engine, ACME, ADA, {
        "word": "Kindsword", "method": "spelled", "language": "en-us", "description": None,
        "pronunciation": "kinds word", "ipa": None, "upload_id": None}, now)
    dictionary.change_entry(engine, ACME, entry.id,
                            lambda _entry: {"pronunciation": "kinds wurd"}, now)
    dictionary.delete_entry(engine, ACME, entry.id, now)
    state = engine.world.workspace(ACME)
    voice = visible_voices(engine.world, state)[0].id
    voices.favorite_voice(engine, ACME, voice, now)
    voices.unfavorite_voice(engine, ACME, voice, now)
    workflow = state.live_workflows()[0].id
    kept = uploads.create_upload(engine, ACME, ADA, "script.txt", "script", now)
    uploads.store_upload_bytes(engine, ACME, kept.id, SCRIPT, now)
    uploads.confirm_upload(engine, ACME, kept.id, "workflow", workflow, now)
    dropped = uploads.create_upload(engine, ACME, ADA, "other.txt", "script", now)
    uploads.delete_upload(engine, ACME, ADA, dropped.id, now)


def _control(engine: StateEngine) -> None:
    startup = engine.world.settings.fixtures_path
    control.replace_fixtures(engine, startup.read_text("utf-8"), str(startup.name))
    control.reset(engine)  # both full resets first: everything after them counts
    control.set_clock(engine, frozen_at=FROZEN_AT)
    control.set_faults(engine, {"slow_ms": 1234})
    control.load_fixtures(engine, LOADED, "request body")
    created = control.create_workspace(engine, {"name": "Kinds ws"})
    control.reset(engine, created["workspace_id"])


def scenario(app: Flask) -> None:
    engine = mock_of(app).engine
    _control(engine)
    _workflows(engine)
    _runs(engine)
    _people(engine)
    _content(engine)
    control.set_clock(engine, advance_seconds=timedelta(days=1).total_seconds())


READS: dict[str, tuple[str, Callable[[], dict[str, str]]]] = {
    "state": ("/__mock/state", dict),
    "faults": ("/__mock/faults", dict),
    "workflows": ("/api/v1/workflows?limit=100", lambda: KEY),
    "templates": ("/api/v1/users/me/templates?limit=100", lambda: KEY),
    "gallery": ("/api/v1/templates?limit=100", lambda: KEY),
    "dictionary": ("/api/v1/dictionary?language=en-us", lambda: KEY),
    "members": (f"/api/v1/workspaces/{ACME}/members", lambda: session(ADA, now=_later())),
    "workspaces": ("/api/v1/workspaces", lambda: session(ADA, now=_later())),
    "activity": ("/api/v1/usage/activity?limit=100", lambda: KEY),
    "credits": ("/api/v1/users/me/credits", lambda: KEY),
    "preferences": ("/api/v1/users/me/notification-preferences", lambda: KEY),
    "favorites": ("/api/v1/voices?favorites_only=true&limit=100", lambda: KEY),
}


def _later() -> Any:
    return FROZEN_AT + timedelta(days=1)


def reads(app: Flask) -> dict[str, Any]:
    """Each read's status and body, without ``meta`` (its request id is new every time)."""
    client = app.test_client()
    seen: dict[str, Any] = {}
    for name, (path, headers) in READS.items():
        response = client.get(path, headers=headers())
        body = response.get_json() if response.is_json else response.get_data(as_text=True)
        seen[name] = [response.status_code,
                      {k: v for k, v in body.items() if k != "meta"}
                      if isinstance(body, dict) else body]
    return seen


def _write() -> None:
    from mocks import mock_app

    app = mock_app("memory")
    scenario(app)
    lines = stored_lines(mock_of(app).engine.events())
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    print(f"{len(lines)} events -> {FIXTURE}")
    print(json.dumps(sorted({json.loads(line)["kind"] for line in lines})))


if __name__ == "__main__":
    _write()
