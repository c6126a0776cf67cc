"""Real processes: ``serve --workers 2``, two servers on one log, kill -9, and replay."""

from __future__ import annotations

import threading
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from calls import http_call
from replay_scenario import observe, scenario
from served import serving
from support import DEMO_KEY

HEADERS = {"Authorization": f"Bearer {DEMO_KEY}"}
FROZEN = "2026-11-15T12:00:00Z"
# One client with a generous timeout: a loaded CI machine can take a while to export a state.
HTTP = httpx.Client(timeout=60)
WORKFLOWS = "/api/v1/workflows"


def _data(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()["data"]


def _runnable_copy(url: str) -> str:
    rows = _data(HTTP.get(f"{url}{WORKFLOWS}?limit=100", headers=HEADERS))
    done = next(w["id"] for w in rows if w.get("last_run_status") == "completed")
    return str(_data(HTTP.post(f"{url}{WORKFLOWS}/{done}/duplicate", headers=HEADERS), 201)["id"])


def test_fifty_concurrent_starts_over_two_workers_give_one_run() -> None:
    with serving("--workers", "2", "--frozen-at", FROZEN) as server:
        workflow = _runnable_copy(server.url)
        statuses: list[int] = []
        lock, gate = threading.Lock(), threading.Barrier(50)

        def start() -> None:
            gate.wait()
            with httpx.Client(timeout=60) as client:  # a connection of its own
                status = client.post(f"{server.url}{WORKFLOWS}/{workflow}/runs", json={},
                                     headers=HEADERS).status_code
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=start) for _ in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [202] + [409] * 49
        journal = _data(HTTP.get(f"{server.url}/__mock/requests?limit=1000"))
        starts = [e for e in journal if e["operation_id"] == "start_run"]
        assert len(starts) == 50
        assert len({e["worker"] for e in journal}) == 2, "both workers answered"


def test_a_write_through_one_worker_is_read_through_the_other_at_once() -> None:
    with serving("--workers", "2", "--frozen-at", FROZEN) as server:
        made_ids = []
        for n in range(16):  # each on a new connection, so both workers take turns
            with httpx.Client(timeout=60) as writer, httpx.Client(timeout=60) as reader:
                made = _data(writer.post(f"{server.url}{WORKFLOWS}", json={"name": f"W{n}"},
                                         headers=HEADERS), 201)
                assert _data(reader.get(f"{server.url}{WORKFLOWS}/{made['id']}",
                                        headers=HEADERS)) == made
                made_ids.append(made["id"])
        journal = _data(HTTP.get(f"{server.url}/__mock/requests?limit=1000"))
        wrote_on = {e["request_id"]: e["worker"] for e in journal if e["method"] == "POST"}
        read_on = {e["path"].rsplit("/", 1)[-1]: e["worker"] for e in journal
                   if e["method"] == "GET"}
        writers = [e["worker"] for e in journal if e["method"] == "POST"]
        assert len(wrote_on) == 16
        crossed = [i for i, w in zip(made_ids, writers, strict=True) if read_on[i] != w]
        assert crossed, "at least one workflow was read through the other worker"


def test_two_servers_on_one_state_file_agree_at_once(tmp_path: Path) -> None:
    state = f"sqlite:///{tmp_path / 'team.db'}"
    with serving("--state", state) as left, serving("--state", state) as right:
        made = _data(HTTP.post(f"{left.url}{WORKFLOWS}", json={"name": "Team prompts"},
                                headers=HEADERS), 201)
        assert _data(HTTP.get(f"{right.url}{WORKFLOWS}/{made['id']}", headers=HEADERS)) == made


def test_an_acknowledged_write_survives_kill_9(tmp_path: Path) -> None:
    state = f"sqlite:///{tmp_path / 'durable.db'}"
    with serving("--state", state) as first:
        made = _data(HTTP.post(f"{first.url}{WORKFLOWS}", json={"name": "Survivor"},
                                headers=HEADERS), 201)
        first.kill_hard()
    with serving("--state", state) as second:
        assert _data(HTTP.get(f"{second.url}{WORKFLOWS}/{made['id']}", headers=HEADERS)) == made


def test_a_replay_in_another_process_reproduces_the_state_byte_for_byte(tmp_path: Path) -> None:
    """Every kind of event and run control, read on the frozen clock and again a day past
    every control (a lost pause, resume or cancel shows only then; test_replay_controls.py
    shows that losing any one kind changes these reads)."""
    with serving("--frozen-at", FROZEN, hash_seed="0") as original, ExitStack() as stack:
        call = http_call([original.url], stack)
        written = scenario(call)
        saved = tmp_path / "events.json"
        saved.write_text(HTTP.get(f"{original.url}/__mock/events").text, encoding="utf-8")
        expected = observe(call, written)
    with serving("--frozen-at", FROZEN, "--replay", str(saved), hash_seed="4242") as replayed, \
            ExitStack() as stack:
        assert observe(http_call([replayed.url], stack), written) == expected
