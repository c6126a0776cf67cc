"""The stored form of events does not change: a log written before (``data/
every_kind_events.jsonl``, every kind of event as the code wrote them then) loads on every
backend and reads as the same commands run now; and those commands store byte-identical
events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from every_kind_scenario import FIXTURE, reads, scenario, stored_lines
from flask import Flask
from mocks import mock_app

from mockserver.app import mock_of
from mockserver.state_backends import open_state


def _stored() -> list[str]:
    return FIXTURE.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def live() -> tuple[list[str], dict[str, Any]]:
    """What the scenario stores and reads when it runs now."""
    app = mock_app("memory")
    scenario(app)
    return stored_lines(mock_of(app).engine.events()), reads(app)


def _log_lines(app: Flask) -> list[str]:
    return stored_lines(mock_of(app).engine.events())


def test_the_commands_store_what_the_committed_log_holds(
        live: tuple[list[str], dict[str, Any]]) -> None:
    assert live[0] == _stored()


def test_a_replay_of_the_committed_log_reads_as_the_commands_run_now(
        live: tuple[list[str], dict[str, Any]], tmp_path: Path) -> None:
    events = [{"seq": n, **json.loads(line)} for n, line in enumerate(_stored(), start=1)]
    saved = tmp_path / "events.json"
    saved.write_text(json.dumps({"events": events}), encoding="utf-8")
    app = mock_app("memory", replay_path=saved)
    assert _log_lines(app) == _stored()
    assert reads(app) == live[1]


@pytest.fixture(params=["sqlite", "redis"])
def durable_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    return f"{request.getfixturevalue('redis_url')}?namespace=stored-{tmp_path.name}"


def test_a_durable_log_written_before_loads_on_every_backend(
        live: tuple[list[str], dict[str, Any]], durable_url: str) -> None:
    state_url = durable_url
    opened = open_state(state_url, 100)
    try:
        for seq, line in enumerate(_stored()):
            item = json.loads(line)
            assert opened.log.append(seq, item["kind"], item["data"]) is not None
    finally:
        opened.close()
    app = mock_app(state_url)  # folds the log it finds at startup
    assert _log_lines(app) == _stored()
    assert reads(app) == live[1]
