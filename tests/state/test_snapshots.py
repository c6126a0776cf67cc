"""Snapshots (world/service/snapshots.py): a restart from the latest one plus the events after
it reads byte for byte as a full replay of the log; a snapshot that does not fit the log,
the code, the settings or its own bytes is not used; one is written at a quiet moment."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from calls import Call, data, flask_call
from flask import Flask
from mocks import mock_app
from replay_scenario import Written, observe, scenario
from support import KEY

from mockserver.app import mock_of
from mockserver.world.events import Snapshot
from mockserver.world.events.sqlite import SqliteLog

WORKFLOWS = "/api/v1/workflows"


def _copy(source: Path, target: Path) -> str:
    """A copy of a state file (through SQLite's backup: the file is in WAL mode)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return f"sqlite:///{target}"


def _more_writes(call: Call, written: Written) -> None:
    """Writes after the snapshot, on what it kept (the clock is left where it kept it)."""
    workflow, run = written.runs[1]
    data(call("PATCH", f"{WORKFLOWS}/{workflow}", {"description": "After the snapshot"}, KEY))
    data(call("POST", f"{WORKFLOWS}/{workflow}/runs/{run}/cancel", {}, KEY))
    data(call("POST", WORKFLOWS, {"name": "After the snapshot"}, KEY), 201)


@pytest.fixture
def logged(tmp_path: Path) -> tuple[Path, Written, Any]:
    """A state file holding the scenario, a snapshot in the middle and writes after it."""
    path = tmp_path / "state.db"
    app = mock_app(f"sqlite:///{path}")
    call = flask_call(app)
    written = scenario(call)
    snapshot = mock_of(app).snapshots.save_now()
    assert snapshot is not None and snapshot.seq == mock_of(app).engine.applied
    _more_writes(call, written)
    return path, written, snapshot


def _restarted(url: str, **settings: Any) -> Flask:
    return mock_app(url, **settings)


def test_a_restart_from_a_snapshot_reads_as_a_full_replay(logged: tuple[Path, Written, Any],
                                                          tmp_path: Path) -> None:
    path, written, snapshot = logged
    from_snapshot = _restarted(_copy(path, tmp_path / "a.db"))
    full_replay = _restarted(_copy(path, tmp_path / "b.db"), snapshot_every=0)
    assert mock_of(from_snapshot).snapshots.restored_from == snapshot.seq
    assert mock_of(full_replay).snapshots.restored_from == 0
    # The latest recorded change, before which the clock may not be set back.
    assert mock_of(from_snapshot).world.clock.floor == mock_of(full_replay).world.clock.floor
    assert observe(flask_call(from_snapshot), written) == observe(flask_call(full_replay),
                                                                  written)


def test_a_snapshot_of_a_restored_state_reads_the_same(logged: tuple[Path, Written, Any],
                                                       tmp_path: Path) -> None:
    """Workspaces a restart has not used yet are kept as they were loaded."""
    path, written, snapshot = logged
    url = _copy(path, tmp_path / "a.db")
    again = mock_of(_restarted(url)).snapshots.save_now()
    assert again is not None and again.seq > snapshot.seq
    second = _restarted(url)
    assert mock_of(second).snapshots.restored_from == again.seq
    full_replay = _restarted(_copy(path, tmp_path / "b.db"), snapshot_every=0)
    assert observe(flask_call(second), written) == observe(flask_call(full_replay), written)


def _replace_snapshot(url: str, snapshot: Snapshot) -> None:
    log = SqliteLog(url)
    try:
        log.snapshot_save(snapshot)
    finally:
        log.close()


def test_a_snapshot_whose_bytes_changed_is_not_used(logged: tuple[Path, Written, Any],
                                                    tmp_path: Path) -> None:
    path, written, snapshot = logged
    url = _copy(path, tmp_path / "a.db")
    body = bytearray(snapshot.body)
    body[len(body) // 2] ^= 0xFF
    _replace_snapshot(url, Snapshot(snapshot.seq, snapshot.meta, bytes(body)))
    restarted = _restarted(url)
    assert mock_of(restarted).snapshots.restored_from == 0
    full_replay = _restarted(_copy(path, tmp_path / "b.db"), snapshot_every=0)
    assert observe(flask_call(restarted), written) == observe(flask_call(full_replay), written)


def test_a_snapshot_under_other_settings_or_secret_is_not_used(
        logged: tuple[Path, Written, Any], tmp_path: Path) -> None:
    path, _written, snapshot = logged

    def restored_from(name: str, **settings: Any) -> int:
        return mock_of(_restarted(_copy(path, tmp_path / name), **settings)).snapshots.restored_from

    assert restored_from("a.db", run_speed=2.0) == 0
    assert restored_from("b.db", jwt_secret="another secret") == 0
    assert restored_from("c.db") == snapshot.seq


def test_a_snapshot_of_another_log_is_not_used(logged: tuple[Path, Written, Any],
                                               tmp_path: Path) -> None:
    _path, _written, snapshot = logged
    url = f"sqlite:///{tmp_path / 'other.db'}"
    call = flask_call(_restarted(url))
    for n in range(snapshot.seq):
        data(call("POST", WORKFLOWS, {"name": f"Other {n}"}, KEY), 201)
    _replace_snapshot(url, snapshot)
    restarted = _restarted(url)
    assert mock_of(restarted).snapshots.restored_from == 0
    names = {w["name"] for w in data(flask_call(restarted)("GET", f"{WORKFLOWS}?limit=100",
                                                           None, KEY))}
    assert {f"Other {n}" for n in range(snapshot.seq)} <= names


def test_a_snapshot_is_written_at_a_quiet_moment(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'quiet.db'}"
    app = _restarted(url, snapshot_every=5)
    call = flask_call(app)
    for n in range(6):
        data(call("POST", WORKFLOWS, {"name": f"Quiet {n}"}, KEY), 201)
    log = SqliteLog(url)
    try:
        deadline = time.monotonic() + 30  # bounded: the writer looks twice a second
        while log.snapshot_seq() == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert log.snapshot_seq() == mock_of(app).engine.applied
    finally:
        log.close()
    assert mock_of(_restarted(url)).snapshots.restored_from == 6
