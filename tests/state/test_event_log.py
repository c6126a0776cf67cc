"""The event log's contract, the same for every backend (memory, SQLite, Redis)."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from mockserver.recording.store import RequestStore
from mockserver.state_backends import open_state
from mockserver.world.events import EventLog, StateUrlError
from mockserver.world.events.base import Event

Opener = Callable[..., EventLog]


def test_a_new_log_is_empty(open_log: Opener) -> None:
    log = open_log()
    assert log.head() == 0
    assert log.read(0) == []


def test_append_at_the_head_takes_the_next_position(open_log: Opener) -> None:
    log = open_log()
    first = log.append(0, "workflow.created", {"id": "a", "name": "Größe ✓", "n": [1, 2.5]})
    second = log.append(1, "workflow.deleted", {"id": "a"})
    assert first == Event(1, "workflow.created", {"id": "a", "name": "Größe ✓", "n": [1, 2.5]})
    assert second == Event(2, "workflow.deleted", {"id": "a"})
    assert log.head() == 2
    assert log.read(0) == [first, second]
    assert log.read(1) == [second]
    assert log.read(2) == []


def test_a_stale_append_is_refused_and_changes_nothing(open_log: Opener) -> None:
    log = open_log()
    log.append(0, "a", {})
    assert log.append(0, "b", {}) is None
    assert log.append(5, "c", {}) is None
    assert [e.kind for e in log.read(0)] == ["a"]


def test_non_json_numbers_are_never_stored(open_log: Opener) -> None:
    log = open_log()
    with pytest.raises(ValueError):
        log.append(0, "bad", {"x": float("nan")})
    assert log.head() == 0


def test_a_second_handle_sees_the_first_ones_appends(open_log: Opener) -> None:
    writer, reader = open_log(), open_log()
    writer.append(0, "one", {"k": 1})
    assert reader.head() == 1
    assert reader.read(0)[0].data == {"k": 1}
    assert reader.append(0, "late", {}) is None
    assert reader.append(1, "two", {}) is not None
    assert [e.kind for e in writer.read(0)] == ["one", "two"]


def test_a_handle_that_keeps_asking_sees_each_append_at_once(open_log: Opener) -> None:
    """Workers ask for the head before every request: a cheap answer must never be stale."""
    writer, reader = open_log(), open_log()
    for seq in range(1, 6):
        assert reader.head() == seq - 1
        assert reader.head() == seq - 1
        assert writer.append(seq - 1, "tick", {"n": seq}) is not None
        assert reader.head() == seq


def test_racing_threads_each_win_exactly_one_position(open_log: Opener) -> None:
    log = open_log()
    wins: list[int] = []

    def contend(worker: int) -> None:
        for _ in range(20):
            while log.append(log.head(), "tick", {"worker": worker}) is None:
                pass
            wins.append(worker)

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = log.read(0)
    assert [e.seq for e in events] == list(range(1, 81))
    assert sorted(e.data["worker"] for e in events) == sorted(wins)


def test_the_journal_keeps_the_newest_entries_oldest_first(
        open_log: Opener, open_requests: Callable[..., RequestStore]) -> None:
    requests = open_requests(journal_size=3)
    for n in range(5):
        requests.journal_add({"n": n, "path": "/api/v1/workflows"})
    entries = requests.journal_entries()
    assert [e["n"] for e in entries] == [2, 3, 4]
    assert [e["seq"] for e in entries] == sorted({e["seq"] for e in entries})
    assert requests.journal_clear() == 3
    assert requests.journal_entries() == []
    assert open_log().head() == 0, "the journal is not part of the event log"


def _race_for_the_first_position(url: str, results: multiprocessing.Queue[bool]) -> None:
    log = open_state(url, 10).log
    results.put(log.append(0, "start", {"pid": multiprocessing.current_process().name})
                is not None)
    log.close()


@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_processes_racing_for_one_position_have_one_winner(
        backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = (f"sqlite:///{tmp_path / 'race.db'}" if backend == "sqlite"
           else f"{request.getfixturevalue('redis_url')}?namespace=race-{tmp_path.name}")
    open_state(url, 10).log.close()  # create the schema before the race
    context = multiprocessing.get_context("spawn")
    results: multiprocessing.Queue[bool] = context.Queue()
    racers = [context.Process(target=_race_for_the_first_position, args=(url, results))
              for _ in range(6)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join(30)
    outcomes = [results.get(timeout=5) for _ in racers]
    assert outcomes.count(True) == 1
    assert open_state(url, 10).log.head() == 1


def test_two_namespaces_share_one_redis_without_meeting(redis_url: str, tmp_path: Path) -> None:
    ours = open_state(f"{redis_url}?namespace=ours-{tmp_path.name}", 10)
    theirs = open_state(f"{redis_url}?namespace=theirs-{tmp_path.name}", 10)
    ours.log.append(0, "mine", {})
    ours.requests.journal_add({"n": 1})
    assert theirs.log.head() == 0
    assert theirs.requests.journal_entries() == []


@pytest.mark.parametrize(("url", "says"), [
    ("postgres://localhost/db", "unknown state backend"),
    ("sqlite://relative.db", "three slashes"),
    ("redis://127.0.0.1:1/0", "cannot reach Redis"),
])
def test_a_bad_state_url_names_the_problem(url: str, says: str) -> None:
    with pytest.raises(StateUrlError, match=says):
        open_state(url, 10)
