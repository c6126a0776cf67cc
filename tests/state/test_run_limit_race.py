"""The concurrent-run limit under the race issue 26 found, on every backend: five paused runs,
then 30 starts and 5 resumes sent at once, many rounds; never more active runs than the limit.

The clock is real (the race needs requests that arrive at different instants) and runs tick
at a hundredth of real speed, so no run finishes within a round: the number of active runs
read after a round is the number the commands let through. Half of the starts carry an
``X-Mock-Delay``, which holds a request after its arrival instant was taken and before it
decides, so the resumes (arriving later) are decided first in every round, not only when
the scheduler happens to order them so.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest
from calls import Call, data, flask_call, http_call
from mocks import mock_app
from served import serving
from support import KEY

WORKFLOWS = "/api/v1/workflows"
LIMIT, PAUSED, STARTS = 5, 5, 30
ROUNDS, BUDGET_S = 8, 40.0  # rounds at most, and seconds (at least two rounds run)
SLOW = "0.01"  # run speed: a run's queue and first step outlast any round

def _memory_call() -> Call:
    return flask_call(mock_app("memory", frozen_at=None, run_speed=float(SLOW)))


class Workspace:
    """A created workspace with ``LIMIT`` concurrent runs and one runnable workflow per
    start and per paused run."""

    def __init__(self, call: Call) -> None:
        self.call = call
        made = data(call("POST", "/__mock/workspaces",
                          {"concurrent_run_limit": LIMIT, "workflow_count": 0}, {}))
        self.key = {"Authorization": f"Bearer {made['api_key']}"}
        definition = _runnable_definition(call)
        self.workflows = [
            data(call("POST", WORKFLOWS, {"name": f"Race {n}", "definition": definition},
                       self.key), 201)["id"]
            for n in range(PAUSED + STARTS)]
        self.paused = self.workflows[:PAUSED]
        self.started = self.workflows[PAUSED:]

    def pause_five(self) -> list[str]:
        """One paused run on each of the first five workflows."""
        runs = []
        for workflow in self.paused:
            run = data(self.call("POST", f"{WORKFLOWS}/{workflow}/runs", {}, self.key), 202)
            data(self.call("POST", f"/__mock/runs/{run['id']}/force", {"status": "paused"}, {}))
            runs.append(run["id"])
        return runs

    def race(self, paused_runs: list[str]) -> list[tuple[str, str]]:
        """30 starts (every other one delayed) and 5 resumes at once; the runs they made
        or resumed, as (workflow, run)."""
        jobs: list[tuple[str, str, dict[str, str]]] = [
            (f"{WORKFLOWS}/{workflow}/runs", workflow,
             {**self.key, "X-Mock-Delay": f"{10 * (n % 5)}ms"} if n % 2 else self.key)
            for n, workflow in enumerate(self.started)]
        jobs += [(f"{WORKFLOWS}/{workflow}/runs/{run}/resume", workflow, self.key)
                 for workflow, run in zip(self.paused, paused_runs, strict=True)]
        touched: list[tuple[str, str]] = []
        lock, gate = threading.Lock(), threading.Barrier(len(jobs))

        def send(path: str, workflow: str, headers: dict[str, str]) -> None:
            gate.wait()
            status, body = self.call("POST", path, {}, headers)
            assert status in (200, 202, 409), (path, status, body)
            if status != 409:
                with lock:
                    touched.append((workflow, body["data"]["id"]))

        threads = [threading.Thread(target=send, args=job) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return touched

    def active_runs(self) -> int:
        rows = data(self.call("GET", f"{WORKFLOWS}?limit=100", None, self.key))
        return sum(row["run_status_counts"].get(status, 0)
                   for row in rows for status in ("pending", "running"))

    def cancel(self, runs: list[tuple[str, str]]) -> None:
        for workflow, run in runs:
            data(self.call("POST", f"{WORKFLOWS}/{workflow}/runs/{run}/cancel", {}, self.key))


def _runnable_definition(call: Call) -> dict[str, Any]:
    rows = data(call("GET", f"{WORKFLOWS}?limit=100", None, KEY))
    done = next(w for w in rows if w.get("last_run_status") == "completed")
    return dict(data(call("GET", f"{WORKFLOWS}/{done['id']}", None, KEY))["definition"])


def _never_over_the_limit(call: Call) -> None:
    workspace = Workspace(call)
    deadline = time.monotonic() + BUDGET_S
    for round_number in range(ROUNDS):
        paused_runs = workspace.pause_five()
        touched = workspace.race(paused_runs)
        active = workspace.active_runs()
        assert active <= LIMIT, f"round {round_number}: {active} runs active, limit {LIMIT}"
        assert len(touched) == active, "every accepted start or resume is an active run"
        workspace.cancel(touched + list(zip(workspace.paused, paused_runs, strict=True)))
        if round_number >= 1 and time.monotonic() > deadline:
            break


def test_in_one_process_the_limit_holds_against_racing_starts_and_resumes() -> None:
    _never_over_the_limit(_memory_call())


def test_on_sqlite_with_two_workers_the_limit_holds() -> None:
    with serving("--workers", "2", "--run-speed", SLOW) as server, ExitStack() as stack:
        _never_over_the_limit(http_call([server.url], stack))


@contextmanager
def _two_instances(redis_url: str, namespace: str) -> Iterator[list[str]]:
    state = f"{redis_url}?namespace={namespace}"
    with serving("--state", state, "--run-speed", SLOW) as left, \
            serving("--state", state, "--run-speed", SLOW) as right:
        yield [left.url, right.url]


def test_two_instances_on_one_redis_keep_the_limit(redis_url: str,
                                                   request: pytest.FixtureRequest) -> None:
    with _two_instances(redis_url, f"race-{request.node.name}") as urls, ExitStack() as stack:
        _never_over_the_limit(http_call(urls, stack))
