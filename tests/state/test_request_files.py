"""The SQLite state's journal and coverage: each process writes its own file, and every
process reads them all as one journal, in the order the requests were made."""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from mockserver.recording import sqlite_requests
from mockserver.recording.sqlite_requests import requests_folder
from mockserver.recording.store import RequestStore
from mockserver.state_backends import open_state


def open_requests(url: str, journal_size: int) -> RequestStore:
    return open_state(url, journal_size).requests

PER_PROCESS = 40


def _write(url: str, name: str, start: multiprocessing.synchronize.Event) -> None:
    log = open_requests(url, 1000)
    start.wait()
    for n in range(PER_PROCESS):
        log.record_request({"writer": name, "n": n}, ["op:list_workflows", f"writer:{name}"])
    log.close()


def _run_writers(url: str, names: list[str]) -> None:
    context = multiprocessing.get_context("fork")
    start = context.Event()
    processes = [context.Process(target=_write, args=(url, name, start)) for name in names]
    for process in processes:
        process.start()
    start.set()
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0


def test_writers_in_several_processes_read_as_one_journal(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    _run_writers(url, ["a", "b", "c"])
    reader = open_requests(url, 1000)
    entries = reader.journal_entries()
    assert len(entries) == 3 * PER_PROCESS
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(set(seqs)), "numbers are distinct and in the order read"
    for name in "abc":  # each writer's entries keep the order it wrote them in
        assert [e["n"] for e in entries if e["writer"] == name] == list(range(PER_PROCESS))
    assert reader.coverage_counts() == {"op:list_workflows": 3 * PER_PROCESS,
                                        "writer:a": PER_PROCESS, "writer:b": PER_PROCESS,
                                        "writer:c": PER_PROCESS}
    assert len(list(requests_folder(tmp_path / "state.db").glob("*.db"))) == 3


def test_the_bound_and_a_clear_apply_to_every_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    _run_writers(url, ["a", "b"])
    bounded = open_requests(url, 50)
    entries = bounded.journal_entries()
    assert len(entries) == 50
    everything = open_requests(url, 1000).journal_entries()
    assert entries == everything[-50:], "the newest 50 of all processes"
    assert bounded.journal_clear() == 50
    assert open_requests(url, 1000).journal_entries() == []
    bounded.coverage_clear()
    assert open_requests(url, 1000).coverage_counts() == {}


def test_two_handles_in_one_process_share_one_numbering(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    first, second = open_requests(url, 100), open_requests(url, 100)
    for n in range(20):
        (first if n % 2 else second).record_request({"n": n}, [])
    entries = first.journal_entries()
    assert [e["n"] for e in entries] == list(range(20))
    assert len({e["seq"] for e in entries}) == 20


def test_a_damaged_file_of_another_process_is_skipped(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    log = open_requests(url, 100)
    log.record_request({"n": 1}, ["op:whoami"])
    (requests_folder(tmp_path / "state.db") / "999999.db").write_bytes(b"not a database" * 64)
    assert [e["n"] for e in log.journal_entries()] == [1]
    assert log.coverage_counts() == {"op:whoami": 1}


def test_a_full_journal_overwrites_its_oldest_entries_across_handles(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    first, second = open_requests(url, 5), open_requests(url, 5)
    for n in range(12):
        (first if n % 3 else second).record_request({"n": n}, [])
    assert [e["n"] for e in first.journal_entries()] == [7, 8, 9, 10, 11]
    assert [e["n"] for e in open_requests(url, 100).journal_entries()] == [7, 8, 9, 10, 11]


def test_a_new_process_with_a_reused_pid_carries_on_after_the_newest_entry(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    earlier = open_requests(url, 10)
    for n in range(3):
        earlier.record_request({"n": n}, [])
    earlier.close()
    sqlite_requests._WRITER.after_fork_in_child()  # a new process: nothing in memory
    later = open_requests(url, 10)
    for n in range(3, 5):
        later.record_request({"n": n}, [])
    assert [e["n"] for e in later.journal_entries()] == [0, 1, 2, 3, 4]


def _open_at_once(url: str, start: multiprocessing.synchronize.Event) -> None:
    start.wait()
    log = open_requests(url, 10)
    log.record_request({"pid": os.getpid()}, [])
    log.close()


def test_processes_opening_one_new_state_file_at_once_all_succeed(tmp_path: Path) -> None:
    """Several workers (or servers) starting together on a state file not made yet."""
    for attempt in range(5):
        url = f"sqlite:///{tmp_path / f'fresh-{attempt}.db'}"
        context = multiprocessing.get_context("fork")
        start = context.Event()
        processes = [context.Process(target=_open_at_once, args=(url, start))
                     for _ in range(6)]
        for process in processes:
            process.start()
        start.set()
        for process in processes:
            process.join(timeout=60)
        assert [p.exitcode for p in processes] == [0] * 6


def _write_and_leave(url: str, name: str, count: int) -> None:
    requests = open_requests(url, 1000)
    for n in range(count):
        requests.record_request({"writer": name, "n": n}, [f"writer:{name}"])
    requests.close()


def _write_and_stay(url: str, written: multiprocessing.synchronize.Event,
                    leave: multiprocessing.synchronize.Event) -> None:
    _write_and_leave(url, "live", 3)
    written.set()
    leave.wait(60)


def test_files_of_processes_that_are_gone_are_folded_into_one(tmp_path: Path) -> None:
    """Respawned workers must not leave a file each behind: a new process folds the files
    of writers that are gone into one, and readers see the same journal and counts."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    folder = requests_folder(tmp_path / "state.db")
    context = multiprocessing.get_context("fork")
    for name in "ab":  # two workers that wrote and left
        worker = context.Process(target=_write_and_leave, args=(url, name, PER_PROCESS))
        worker.start()
        worker.join(60)
        assert worker.exitcode == 0
    written, leave = context.Event(), context.Event()
    live = context.Process(target=_write_and_stay, args=(url, written, leave))
    live.start()
    try:
        assert written.wait(60)
        reader = open_requests(url, 50)
        before = (reader.journal_entries(), reader.coverage_counts())
        assert len(list(folder.glob("*.db"))) == 3
        files = sqlite_requests.RequestFiles(tmp_path / "state.db", 50)
        assert files.retire_dead(silent_for=0) == 2, "the live writer's file is kept"
        assert sorted(p.name for p in folder.glob("*.db")) == sorted(
            [sqlite_requests.RETIRED, f"{live.pid}.db"])
        assert (reader.journal_entries(), reader.coverage_counts()) == before
        assert files.retire_dead(silent_for=0) == 0, "nothing is folded twice"
        assert reader.coverage_counts() == before[1]
    finally:
        leave.set()
        live.join(60)
    assert files.retire_dead(silent_for=0) == 1
    assert [p.name for p in folder.glob("*.db")] == [sqlite_requests.RETIRED]
    assert len(reader.journal_entries()) == 50, "the retired file keeps the newest 50"
    assert reader.coverage_counts() == {"writer:a": PER_PROCESS, "writer:b": PER_PROCESS,
                                        "writer:live": 3}


def test_a_writer_that_still_beats_is_not_retired(tmp_path: Path) -> None:
    """A process of another PID namespace sharing the folder looks gone to this one; its
    recent heartbeat keeps its file."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    context = multiprocessing.get_context("fork")
    worker = context.Process(target=_write_and_leave, args=(url, "a", 3))
    worker.start()
    worker.join(60)
    files = sqlite_requests.RequestFiles(tmp_path / "state.db", 50)
    assert files.retire_dead(silent_for=3600) == 0
    assert [e["n"] for e in open_requests(url, 50).journal_entries()] == [0, 1, 2]
