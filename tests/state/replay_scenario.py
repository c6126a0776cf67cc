"""A scenario that writes every kind of event (and every run control), and what a client can
read afterwards, for the replay tests: a replay that loses any one kind must read otherwise.

Pauses drain to the end of a wave and a pending pause shows only in ``pause_requested_at``,
so the reads are taken twice: on the scenario's frozen clock, and again after the clock
has moved a day past every control.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from calls import Call, data
from support import ACME, KEY

WORKFLOWS = "/api/v1/workflows"
PAST_EVERY_CONTROL_S = 86_400
PINNED = "44444444-4444-4444-8444-444444444444"
LOADED = {"workflows": [{"workspace": ACME, "id": PINNED, "name": "Loaded at run time",
                         "runs": [{"status": "failed"}]}]}


@dataclass
class Written:
    """What the scenario made: (workflow, run) pairs, and the created workspace's key."""

    runs: list[tuple[str, str]] = field(default_factory=list)
    workspace_key: dict[str, str] = field(default_factory=dict)


def _runnable_copy(call: Call) -> str:
    rows = data(call("GET", f"{WORKFLOWS}?limit=100", None, KEY))
    done = next(w["id"] for w in rows if w.get("last_run_status") == "completed")
    return str(data(call("POST", f"{WORKFLOWS}/{done}/duplicate", None, KEY), 201)["id"])


def _advance(call: Call, seconds: float) -> None:
    data(call("POST", "/__mock/clock", {"advance_seconds": seconds}, {}))


def _start(call: Call) -> tuple[str, str]:
    workflow = _runnable_copy(call)
    return workflow, data(call("POST", f"{WORKFLOWS}/{workflow}/runs", {}, KEY), 202)["id"]


def _control(call: Call, run: tuple[str, str], kind: str) -> dict[str, Any]:
    return dict(data(call("POST", f"{WORKFLOWS}/{run[0]}/runs/{run[1]}/{kind}", {}, KEY)))


def scenario(call: Call) -> Written:
    """Writes of every kind on a frozen clock: workflows created, changed, duplicated and
    deleted; runs started, paused (drained and still pending), resumed, cancelled and
    forced; the clock moved; faults, fixtures, a workspace created and reset."""
    written = Written()
    made = data(call("POST", WORKFLOWS, {"name": "Replayed"}, KEY), 201)["id"]
    data(call("PATCH", f"{WORKFLOWS}/{made}", {"description": "Lines"}, KEY))
    doomed = data(call("POST", WORKFLOWS, {"name": "Doomed"}, KEY), 201)["id"]
    resumed = _start(call)
    _advance(call, 1)
    _control(call, resumed, "pause")
    for _ in range(48):  # the pause drains to the end of the current wave
        if _control(call, resumed, "pause")["status"] == "paused":
            break
        _advance(call, 60)
    _control(call, resumed, "resume")
    _advance(call, 5)
    _control(call, resumed, "cancel")
    pending_pause = _start(call)
    _advance(call, 5)
    _control(call, pending_pause, "pause")  # asked for, not drained on this clock
    forced = _start(call)
    data(call("POST", f"/__mock/runs/{forced[1]}/force", {"status": "completed"}, {}))
    written.runs = [resumed, pending_pause, forced]
    data(call("POST", "/__mock/faults", {"slow_ms": 1234}, {}))
    data(call("POST", "/__mock/fixtures", LOADED, {}))
    workspace = data(call("POST", "/__mock/workspaces", {"name": "Replay ws"}, {}))
    written.workspace_key = {"Authorization": f"Bearer {workspace['api_key']}"}
    data(call("POST", WORKFLOWS, {"name": "Forgotten by the reset"}, written.workspace_key),
         201)
    data(call("POST", "/__mock/reset", {"workspace_id": workspace["workspace_id"]}, {}))
    data(call("DELETE", f"{WORKFLOWS}/{doomed}", None, KEY))
    return written


def event_kinds(call: Call) -> list[str]:
    """Each event's kind, a run control's with its own kind (``run.controlled:pause``)."""
    kinds = []
    for event in data(call("GET", "/__mock/events", None, {}))["events"]:
        control = event["data"].get("control")
        kinds.append(f"{event['kind']}:{control['kind']}" if control else event["kind"])
    return kinds


def _text(found: tuple[int, Any]) -> str:
    """An answer's status and body as text, without ``meta`` (its request id is new on
    every request)."""
    status, body = found
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k != "meta"}
    return json.dumps([status, body], sort_keys=True)


def reads(call: Call, written: Written) -> dict[str, str]:
    """What a client reads: the state export, faults, workflow lists, and every read of
    every run the scenario made (detail with ``pause_requested_at``, status, steps, list)."""
    seen = {
        "state": _text(call("GET", "/__mock/state", None, {})),
        "faults": _text(call("GET", "/__mock/faults", None, {})),
        "acme": _text(call("GET", f"{WORKFLOWS}?limit=100", None, KEY)),
        "pinned": _text(call("GET", f"{WORKFLOWS}/{PINNED}/runs", None, KEY)),
        "workspace": _text(call("GET", f"{WORKFLOWS}?limit=100", None, written.workspace_key)),
    }
    for workflow, run in written.runs:
        base = f"{WORKFLOWS}/{workflow}/runs"
        seen[f"{run} list"] = _text(call("GET", base, None, KEY))
        for read in ("", "/status", "/steps"):
            seen[f"{run}{read}"] = _text(call("GET", f"{base}/{run}{read}", None, KEY))
    return seen


def observe(call: Call, written: Written) -> dict[str, Any]:
    """The reads now and a day past every control, and the kinds of the events behind
    them (read before the clock moves: the move is one more event)."""
    kinds = event_kinds(call)
    now = reads(call, written)
    _advance(call, PAST_EVERY_CONTROL_S)
    return {"kinds": kinds, "now": now, "later": reads(call, written)}
