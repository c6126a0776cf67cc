"""The SQLite log answers "any new events?" from a shared sign (head_signal.py): it must
see every append at once, and one whose writer died before signing within ``max_age``."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from pathlib import Path

from mockserver.state_backends import open_state
from mockserver.world.events.head_signal import HeadSignal
from mockserver.world.events.sqlite import SqliteLog


def _append_one(url: str, after: int) -> None:
    log = open_state(url, 10).log
    assert log.append(after, "from.another.process", {}) is not None
    log.close()


def test_an_append_in_another_process_is_seen_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    reader = open_state(url, 10).log
    assert isinstance(reader, SqliteLog)
    reader._signal.max_age = 3600  # only the sign can tell it
    context = multiprocessing.get_context("spawn")
    for seq in range(1, 4):
        assert reader.head() == seq - 1
        writer = context.Process(target=_append_one, args=(url, seq - 1))
        writer.start()
        writer.join(30)
        assert writer.exitcode == 0
        assert reader.head() == seq
    reader.close()


def test_an_unsigned_append_is_seen_once_the_last_read_is_max_age_old(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'state.db'}"
    log = open_state(url, 10).log
    assert log.head() == 0
    # A writer killed between its commit and its sign: the row is there, the sign is not.
    with sqlite3.connect(tmp_path / "state.db") as raw:
        raw.execute("""INSERT INTO events (seq, body) VALUES (1, '{"kind":"x","data":{}}')""")
    assert isinstance(log, SqliteLog)
    time.sleep(log._signal.max_age * 2)
    assert log.head() == 1
    log.close()


def test_the_sign_spares_the_read_until_something_is_appended(tmp_path: Path) -> None:
    reads: list[int] = []

    def read_head() -> int:
        reads.append(1)
        return len(reads)

    mine, theirs = HeadSignal(tmp_path / "state.db"), HeadSignal(tmp_path / "state.db")
    mine.max_age = theirs.max_age = 3600
    assert [mine.head(read_head) for _ in range(100)] == [1] * 100
    theirs.appended(7)
    assert mine.head(read_head) == 2
    assert mine.head(read_head) == 2
    assert len(reads) == 2
