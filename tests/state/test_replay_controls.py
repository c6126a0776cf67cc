"""A replay that loses any one kind of event (or of run control) reads otherwise than the
original, once the clock has moved past every control: the comparison the cross-process
replay test (test_workers.py) makes can see each such loss."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from calls import flask_call
from mocks import mock_app
from replay_scenario import Written, event_kinds, observe, scenario

from mockserver.errors import StartupError

# Every kind the scenario writes: the test fails if the scenario stops writing one.
KINDS = ["workflow.created", "workflow.changed", "workflow.deleted", "run.started",
         "run.controlled:pause", "run.controlled:resume", "run.controlled:cancel",
         "run.controlled:finish", "clock.set", "faults.set", "fixtures.loaded",
         "workspace.created", "reset"]


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Written, dict[str, Any]]:
    """The scenario's events saved to a file, and what the original server reads."""
    call = flask_call(mock_app("memory"))
    written = scenario(call)
    saved = tmp_path_factory.mktemp("replay") / "events.json"
    saved.write_text(json.dumps(call("GET", "/__mock/events", None, {})[1]), encoding="utf-8")
    return saved, written, observe(call, written)


def _without(saved: Path, kind: str, into: Path) -> Path:
    document = json.loads(saved.read_text(encoding="utf-8"))
    events = document["data"]["events"]
    kept = [e for e in events
            if kind not in (e["kind"], f"{e['kind']}:{e['data'].get('control', {}).get('kind')}")]
    assert len(kept) < len(events), f"the scenario wrote no {kind} event"
    document["data"]["events"] = [{**e, "seq": n} for n, e in enumerate(kept, start=1)]
    into.write_text(json.dumps(document), encoding="utf-8")
    return into


def test_the_scenario_writes_every_kind(original: tuple[Path, Written, dict[str, Any]]) -> None:
    assert set(original[2]["kinds"]) == set(KINDS)


def test_a_full_replay_reads_the_same(original: tuple[Path, Written, dict[str, Any]]) -> None:
    saved, written, expected = original
    call = flask_call(mock_app("memory", replay_path=saved))
    assert observe(call, written) == expected


@pytest.mark.parametrize("kind", KINDS)
def test_a_replay_that_loses_one_kind_reads_otherwise(
        original: tuple[Path, Written, dict[str, Any]], kind: str, tmp_path: Path) -> None:
    saved, written, expected = original
    try:
        app = mock_app("memory", replay_path=_without(saved, kind, tmp_path / "lossy.json"))
    except StartupError:
        return  # a later event needs the lost one: the replay refuses to start
    call = flask_call(app)
    assert kind not in event_kinds(call)
    seen = observe(call, written)
    # The state alone (the kinds aside) tells the loss: what a client reads differs.
    assert {"now": seen["now"], "later": seen["later"]} != {
        "now": expected["now"], "later": expected["later"]}
