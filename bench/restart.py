"""Restarting a durable mock (issue 26, item 4): how long ``serve`` takes to open its port and
answer its first 200 with a long SQLite log, from a full replay and from a snapshot, and
whether both give the same state.

It builds a log of ``--events`` events (default 100,000) shaped like a long load run:
workspaces created, workflows created in them and in the demo workspace, many patches, runs
started and cancelled. The commands run in process on a memory log (the same commands the
API calls, so the events are the ones a server would write), and the events are then
written to a SQLite file as ``serve --state sqlite:///…`` would have. Then:

1. ``serve --snapshot-every 0``: the full replay; time to the port and to the first 200;
2. ``serve`` (snapshots on): it writes a snapshot at its first quiet moment; wait for it;
3. ``serve`` again: starts from the snapshot; time to the port and to the first 200;
4. the state export of the demo workspace, its workflow list and one created workspace's
   list, read from (1) and (3): the same bytes or not.

``.venv/bin/python bench/restart.py [--events 100000]`` prints the figures; nothing is
asserted (tests/state/test_snapshots.py holds the smaller case).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ONEPIN_MOCK = str(Path(sys.executable).parent / "onepin-mock")
KEY = "op_live_demoAllScopesKeyForOnepinMock001"
ACME = "6ec9a28f-de78-58e7-8616-48891f256dec"
ADA = "b11a6feb-8597-5691-a36d-7d425071868e"


def build_log(path: Path, total: int) -> dict[str, Any]:
    """``total`` events in a SQLite state file; returns what the reads need."""
    from mockserver.app import create_app, mock_of
    from mockserver.settings import Settings
    from mockserver.world.events import encode
    from mockserver.world.events.sqlite import SqliteLog
    from mockserver.world.service import control, runs, workflows

    mock = mock_of(create_app(Settings(access_log=False)))
    engine, world = mock.engine, mock.world

    def now() -> datetime:
        return world.clock.now()

    runnable = runs.runnable_workflows(engine, ACME, now())[0]
    definition = world.workspace(ACME).workflow(runnable).definition
    spaces = [(ACME, ADA)]
    for _ in range(min(1000, total // 100)):
        made = control.create_workspace(engine, {"workflow_count": 5})
        member = world.fixtures.members(made["workspace_id"])[0].id
        spaces.append((made["workspace_id"], member))
    made_workflows: list[tuple[str, str]] = []
    n = 0
    while engine.applied < total:
        workspace, user = spaces[n % len(spaces)]
        if n % 5 == 0:
            record = workflows.create_workflow(engine, workspace, user, {
                "name": f"Load {n}", "name_source": "user", "description": None,
                "definition": definition}, now())
            made_workflows.append((workspace, record.id))
        elif n % 5 == 4 and made_workflows:
            workspace, workflow = made_workflows[(n // 5) % len(made_workflows)]
            _state, run = runs.start_run(engine, workspace, workflow,
                                         {"user_id": user, "user_name": "Load"}, {}, now())
            runs.cancel_run(engine, workspace, workflow, run.id, now())
        else:
            workspace, workflow = made_workflows[n % len(made_workflows)]
            workflows.change_workflow(engine, workspace, workflow,
                                      {"description": f"patch {n}"}, now())
        n += 1
    events = engine.log.read(0)[:total]
    log = SqliteLog(f"sqlite:///{path}")  # makes the file and its tables
    log.close()
    with sqlite3.connect(path) as db:
        db.executemany("INSERT INTO events (seq, body) VALUES (?, ?)",
                       [(e.seq, encode(e.kind, e.data)) for e in events])
    second = spaces[1] if len(spaces) > 1 else spaces[0]
    key = next(k.secret for k in world.fixtures.api_keys.values()
               if k.workspace_id == second[0])
    return {"events": len(events), "workspaces": len(spaces), "other_key": key,
            "other": second[0]}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


class Served:
    def __init__(self, state: str, *extra: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        started = time.monotonic()
        self.process = subprocess.Popen(
            [ONEPIN_MOCK, "serve", "--port", str(self.port), "--state", state, "--quiet",
             *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        while _get(f"{self.url}/__mock/health")[0] != 200:
            if self.process.poll() is not None:
                raise RuntimeError("serve exited")
            time.sleep(0.02)
        self.port_s = time.monotonic() - started
        _get(f"{self.url}/api/v1/workflows", {"Authorization": f"Bearer {KEY}"})
        self.first_200_s = time.monotonic() - started

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def _reads(served: Served, built: dict[str, Any]) -> list[bytes]:
    def body(path: str, key: str = KEY) -> bytes:
        status, raw = _get(f"{served.url}{path}", {"Authorization": f"Bearer {key}"})
        if raw.startswith(b"{"):  # leave out meta: its request id is new on every request
            document = json.loads(raw)
            document.pop("meta", None)
            raw = json.dumps(document, sort_keys=True).encode()
        return str(status).encode() + b" " + raw

    return [body(f"/__mock/state?workspace_id={ACME}"),
            body(f"/__mock/state?workspace_id={built['other']}"),
            body("/api/v1/workflows?limit=100&sort=updated_at"),
            body("/api/v1/workflows?limit=100", built["other_key"])]


def _snapshot(path: Path) -> tuple[int, int]:
    """(event number, bytes) of the snapshot kept in the state file."""
    with sqlite3.connect(path) as db:
        row = db.execute("SELECT seq, length(body) FROM snapshot").fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.db"
        started = time.monotonic()
        built = build_log(path, args.events)
        print(f"log: {built['events']} events, {built['workspaces']} workspaces, built in "
              f"{time.monotonic() - started:.1f} s ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")
        state = f"sqlite:///{path}"
        replayed = Served(state, "--snapshot-every", "0")
        print(f"full replay:   port {replayed.port_s:6.2f} s, first 200 "
              f"{replayed.first_200_s:6.2f} s")
        expected = _reads(replayed, built)
        replayed.stop()
        writer = Served(state)
        started = time.monotonic()
        while _snapshot(path)[0] < built["events"]:
            time.sleep(0.1)
        print(f"snapshot written {time.monotonic() - started:.1f} s after the port opened: "
              f"{_snapshot(path)[1] / 1e6:.1f} MB")
        writer.stop()
        restarted = Served(state)
        print(f"from snapshot: port {restarted.port_s:6.2f} s, first 200 "
              f"{restarted.first_200_s:6.2f} s")
        same = _reads(restarted, built) == expected
        restarted.stop()
        print(f"same bytes as the full replay (2 state exports, 2 lists): {same}")


if __name__ == "__main__":
    main()
