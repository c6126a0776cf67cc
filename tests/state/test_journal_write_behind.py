"""The journal is written behind the answers (recording/write_behind.py): entries held
in the process that answered reach a reader in any process, in the order they were
recorded, with nothing skipped; a quiet process writes on its own; a dead one is not
waited for; and memory held for bodies stays bounded.

Writers here are real processes on a real SQLite state file."""

from __future__ import annotations

import multiprocessing
import time
from multiprocessing.synchronize import Event as EventType
from pathlib import Path
from typing import Any

from mockserver.recording.journal import Journal, JournalFilter
from mockserver.recording.sqlite_requests import SqliteRequests
from mockserver.recording.timing import READ_WAIT
from mockserver.recording.write_behind import WriteBehind
from mockserver.state_backends import open_state


def open_requests(url: str, journal_size: int) -> SqliteRequests:
    requests = open_state(url, journal_size).requests
    assert isinstance(requests, SqliteRequests)
    return requests

CONTEXT = multiprocessing.get_context("fork")
FOREVER = 3600.0  # an idle time no test waits for: only a reader's question writes


def _fields(writer: str, n: int) -> dict[str, Any]:
    return {"at": "2026-11-01T10:00:00Z", "method": "GET", "path": f"/{writer}/{n}",
            "query": "", "status": 200, "operation_id": "list_workflows",
            "workspace_id": "ws-1", "request_id": f"{writer}-{n}", "duration_ms": 1.0}


def _hold(url: str, writer: str, count: int, idle: float, pause: float,
          ready: EventType) -> None:
    """Record ``count`` entries, then stay alive (holding them) until killed."""
    journal = Journal(open_requests(url, 1000), 1000, idle=idle)
    for n in range(count):
        journal.record(**_fields(writer, n))
        time.sleep(pause)
    ready.set()
    time.sleep(60)


class Writers:
    def __init__(self, url: str, count: int, idle: float, pause: float = 0.0,
                 names: tuple[str, ...] = ("a",)) -> None:
        self.ready = [CONTEXT.Event() for _ in names]
        self.processes = [
            CONTEXT.Process(target=_hold, args=(url, name, count, idle, pause, ready))
            for name, ready in zip(names, self.ready, strict=True)]
        for process in self.processes:
            process.start()

    def wait_ready(self) -> None:
        for ready in self.ready:
            assert ready.wait(60)

    def done(self) -> bool:
        return all(ready.is_set() for ready in self.ready)

    def stop(self) -> None:
        """SIGKILL: what the writers still hold is lost (no ``Event`` is waited on, so
        none is left broken)."""
        for process in self.processes:
            process.kill()
            process.join(30)


def _paths(entries: list[Any]) -> list[str]:
    return [e.path for e in entries]


def test_a_read_in_another_process_gets_what_a_live_writer_holds(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    writers = Writers(url, 30, idle=FOREVER)
    try:
        writers.wait_ready()
        raw = open_requests(url, 1000)
        assert raw.journal_entries() == [], "held by the writer, not yet written"
        reader = Journal(open_requests(url, 1000), 1000)
        started = time.monotonic()
        entries = reader.find(JournalFilter(), 1000)
        assert time.monotonic() - started < READ_WAIT / 2, "the writer answered (no timeout)"
        assert _paths(entries) == [f"/a/{n}" for n in range(30)]
        assert reader.coverage.report()["requests"] == 30
        assert len(raw.journal_entries()) == 30, "written for the reader, kept for all"
    finally:
        writers.stop()


def test_a_quiet_writer_writes_on_its_own_and_survives_a_kill(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    writers = Writers(url, 10, idle=0.2)
    raw = open_requests(url, 1000)
    try:
        writers.wait_ready()
        deadline = time.monotonic() + 10
        while len(raw.journal_entries()) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        writers.stop()  # SIGKILL: no exit functions
        assert [e["path"] for e in raw.journal_entries()] == [f"/a/{n}" for n in range(10)]
        assert sum(raw.coverage_counts().values()) == 10
    finally:
        writers.stop()


def test_a_writer_killed_outright_is_not_waited_for_past_the_bound(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    writers = Writers(url, 5, idle=FOREVER)
    try:
        writers.wait_ready()
        writers.stop()
        started = time.monotonic()
        Journal(open_requests(url, 1000), 1000).find(JournalFilter(), 1000)
        assert time.monotonic() - started < READ_WAIT + 1.0
    finally:
        writers.stop()


def test_a_live_view_polling_since_its_last_entry_never_skips_one(tmp_path: Path) -> None:
    """Two processes record while a third polls "entries after the last one I saw": every
    entry arrives exactly once, although each writer writes only when asked."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    writers = Writers(url, 150, idle=FOREVER, pause=0.002, names=("a", "b"))
    reader = Journal(open_requests(url, 1000), 1000)
    seen: list[str] = []
    last = 0
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            finished = writers.done()
            entries = reader.find(JournalFilter(since=last), 1000)
            seen += _paths(entries)
            last = entries[-1].seq if entries else last
            if finished:
                break
        seen += _paths(reader.find(JournalFilter(since=last), 1000))
    finally:
        writers.stop()
    assert sorted(seen) == sorted(f"/{w}/{n}" for w in "ab" for n in range(150))
    for writer in "ab":  # each writer's entries in the order it recorded them
        assert [p for p in seen if p.startswith(f"/{writer}/")] == [
            f"/{writer}/{n}" for n in range(150)]


class _Body:
    """An entry holding one body (a real PendingEntry, as the app's exchanges are)."""

    def __init__(self, n: int, body: bytes) -> None:
        self.n, self.body = n, body

    def held_buffers(self) -> tuple[bytes, ...]:
        return (self.body,)

    def entry(self) -> dict[str, Any]:
        return {"n": self.n, "size": len(self.body)}

    def coverage_keys(self) -> list[str]:
        return ["seen"]


def test_held_bodies_are_bounded_and_a_shared_body_counts_once(tmp_path: Path) -> None:
    store = open_requests(f"sqlite:///{tmp_path / 'state.db'}", 1000)
    behind = WriteBehind(store, 1000, max_bytes=3 << 20, idle=FOREVER)
    shared = b"x" * (1 << 20)
    for n in range(50):  # one megabyte, held fifty times
        behind.add(_Body(n, shared))
    assert store.journal_entries() == [], "1 MB held, under the 3 MB bound"
    for n in range(50, 53):  # three more, each its own megabyte: 4 MB
        behind.add(_Body(n, b"y" * (1 << 20)))
    assert [e["n"] for e in store.journal_entries()] == list(range(53)), "written once over"
    assert store.coverage_counts() == {"seen": 53}


def test_entries_the_bound_drops_unwritten_still_count(tmp_path: Path) -> None:
    store = open_requests(f"sqlite:///{tmp_path / 'state.db'}", 5)
    behind = WriteBehind(store, 5, idle=FOREVER)
    for n in range(12):
        behind.add(_Body(n, b""))
    behind.write()
    assert [e["n"] for e in store.journal_entries()] == [7, 8, 9, 10, 11]
    assert store.coverage_counts() == {"seen": 12}


def _child_records_and_reads(journal: Journal, done: EventType, paths: Any) -> None:
    journal.record(**_fields("child", 0))
    journal.record(**_fields("child", 1))
    paths.extend(_paths(journal.find(JournalFilter(), 1000)))
    done.set()
    time.sleep(60)


def test_a_forked_worker_starts_with_nothing_held_and_nothing_is_written_twice(
        tmp_path: Path) -> None:
    """A worker forked from a process that holds entries (as served workers are forked
    from the parent's app) writes only its own; the parent's reach readers once."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    journal = Journal(open_requests(url, 1000), 1000, idle=FOREVER)
    for n in range(3):
        journal.record(**_fields("parent", n))
    manager = CONTEXT.Manager()
    paths, done = manager.list(), CONTEXT.Event()
    child = CONTEXT.Process(target=_child_records_and_reads, args=(journal, done, paths))
    child.start()
    try:
        assert done.wait(60)
        expected = sorted([f"/parent/{n}" for n in range(3)] + ["/child/0", "/child/1"])
        assert sorted(paths) == expected, "the child's read got the parent's entries too"
        assert sorted(_paths(journal.find(JournalFilter(), 1000))) == expected
    finally:
        child.kill()
        child.join(30)
        manager.shutdown()
