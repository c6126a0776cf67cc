"""The request journal and coverage counters of a SQLite state file: one small SQLite file
per process, in a folder beside the state file, read together.

Why not tables in the state file: every API request writes its journal entry and its
counters, and with several workers on one file those writes queued on SQLite's write lock,
whose busy handler sleeps (1 ms, 2 ms, 5 ms, ... 100 ms) instead of waking the waiter.
Measured with 2 workers on the list endpoint: half the throughput, and a p99 of 0.4-0.8 s
against 60 ms without the writes. A process that is the only writer of its file never
waits on another; readers (the control API, rarely) open every file and merge.

Entries are numbered by the microsecond they were recorded at, times 16, plus the low 4
bits of the writer's pid: numbers grow with time across processes (a live view asks for
"entries after N"), stay distinct unless two writers whose pids agree in those bits write
in the same microsecond, and stay below 2**53 (exact in JavaScript) for 17 years from
the epoch below.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

from .. import process
from ..world.events.base import decode, encode
from ..world.events.shared_word import SharedWord
from ..world.events.sqlite import sqlite_path
from .store import HeldRequestStore
from .timing import READ_WAIT, SILENT_FOR_DEAD

_SCHEMA = (
    # A ring of journal_size slots, each entry overwriting the oldest: a write then replaces
    # one row in place. Inserting and trimming the oldest rows every 64 writes cost 3x as
    # much (50 against 15 microseconds a write, measured; half of it the trim).
    "CREATE TABLE IF NOT EXISTS journal_ring (slot INTEGER PRIMARY KEY, seq INTEGER NOT NULL, "
    "body TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS coverage (key TEXT PRIMARY KEY, hits INTEGER NOT NULL)",
    # One row: the newest entry number this process had written everything it held by, and when
    # it last wrote at all (its heartbeat), both in entry numbers.
    "CREATE TABLE IF NOT EXISTS writer (id INTEGER PRIMARY KEY CHECK (id = 0), "
    "flushed_to INTEGER NOT NULL, alive INTEGER NOT NULL)",
)
_COUNT = ("INSERT INTO coverage (key, hits) VALUES (?, ?) "
          "ON CONFLICT (key) DO UPDATE SET hits = hits + excluded.hits")
_EPOCH_US = 1_767_225_600_000_000  # 2026-01-01T00:00:00Z
_WRITER_BITS = 4
RETIRED = "retired.db"  # what processes that are gone wrote, folded together


def _number_now(low_bits: int) -> int:
    return ((time.time_ns() // 1000 - _EPOCH_US) << _WRITER_BITS) | low_bits


def _now_number() -> int:
    """The entry number of this microsecond, above every writer's number in it."""
    return _number_now((1 << _WRITER_BITS) - 1)


def _silent_since(seconds: float) -> int:
    """The entry number of the instant ``seconds`` ago (writers beat in entry numbers)."""
    return _now_number() - (int(seconds * 1_000_000) << _WRITER_BITS)


class _ProcessWriter(process.PerProcess):
    """What every handle in one process shares: the turn to write (so two handles on one
    state file never wait on SQLite's sleeping lock), the last number handed out, and the
    journal slot each of its files fills next."""

    def __init__(self) -> None:
        self.after_fork_in_child()
        process.register(self)

    def after_fork_in_child(self) -> None:
        # A lock held by a parent's thread would never be released here.
        self.lock = threading.Lock()
        self.seq_lock = threading.Lock()  # apart: numbering must not wait for a write
        self.last_seq = 0
        self.next_slots: dict[Path, int] = {}

    def next_seq(self) -> int:
        now = _number_now(os.getpid() % (1 << _WRITER_BITS))
        with self.seq_lock:
            # A clock stepped back must not reorder this process's own entries.
            self.last_seq = max(now, self.last_seq + (1 << _WRITER_BITS))
            return self.last_seq


_WRITER = _ProcessWriter()


def _running(pid: int) -> bool:
    """Whether a process of that id exists (this one included)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's
    return True


def _silent(path: Path, since: int) -> bool:
    """Whether the file's writer has not beaten since ``since`` (or never did)."""
    if not path.exists():
        return False  # retired meanwhile (connecting would make it again)
    with closing(sqlite3.connect(path, isolation_level=None, timeout=30)) as db:
        try:
            beat = db.execute("SELECT alive FROM writer").fetchone()
        except sqlite3.DatabaseError:
            return True  # no heartbeat table: an earlier version's file, or damaged
    return beat is None or beat[0] < since


def requests_folder(state_file: Path) -> Path:
    return state_file.with_name(f"{state_file.name}-requests")


class RequestFiles(process.PerProcess):
    """This process's file (written) and every process's file (read) of one state file."""

    def __init__(self, state_file: Path, journal_size: int) -> None:
        self.folder = requests_folder(state_file)
        self._journal_size = journal_size
        self._own: sqlite3.Connection | None = None
        self._own_path = self.folder  # this process's file, set with its connection
        self._question: SharedWord | None = None
        process.register(self)

    def after_fork_in_child(self) -> None:
        self._own = None  # the parent's file: this process opens its own

    # -- writing (this process) -------------------------------------------------------------

    @staticmethod
    def next_number() -> int:
        return _WRITER.next_seq()

    def record(self, entry: dict[str, Any] | None, coverage_keys: list[str]) -> None:
        """Count the keys and keep the entry (None: count only), in one transaction."""
        self.record_batch([] if entry is None else [(None, entry)], Counter(coverage_keys),
                          None)

    def record_batch(self, entries: list[tuple[int | None, dict[str, Any]]],
                     counts: Mapping[str, int], flushed_to: int | None) -> None:
        """Count, keep the entries (numbered when recorded, or now), and beat, in one
        transaction. ``flushed_to``: see ``HeldRequestStore.record_batch``."""
        with _WRITER.lock:
            db = self._connection()
            with db:
                db.execute("BEGIN")
                db.executemany(_COUNT, counts.items())
                if self._journal_size > 0:
                    for seq, entry in entries[-self._journal_size:]:
                        self._insert(db, entry, seq)
                db.execute("UPDATE writer SET flushed_to = MAX(flushed_to, ?), alive = ?",
                           (flushed_to or 0, _now_number()))

    def _insert(self, db: sqlite3.Connection, entry: dict[str, Any], seq: int | None) -> None:
        path = self._own_path
        slot = _WRITER.next_slots.get(path)
        if slot is None:  # after the newest entry already in the file (a reused pid)
            newest = db.execute("SELECT slot FROM journal_ring ORDER BY seq DESC LIMIT 1")
            row = newest.fetchone()
            slot = 0 if row is None else row[0] + 1
        slot %= self._journal_size
        _WRITER.next_slots[path] = slot + 1
        db.execute("INSERT OR REPLACE INTO journal_ring (slot, seq, body) VALUES (?, ?, ?)",
                   (slot, seq or _WRITER.next_seq(), encode("request", entry)))

    def _connection(self) -> sqlite3.Connection:
        if self._own is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.retire_dead()
            self._own_path = self.folder / f"{os.getpid()}.db"
            db = self._open(self._own_path)
            db.execute("PRAGMA journal_mode=WAL")
            # Its one row is made afresh below; an earlier version named a column otherwise.
            db.execute("DROP TABLE IF EXISTS writer")
            for statement in _SCHEMA:
                db.execute(statement)
            db.execute("INSERT OR REPLACE INTO writer (id, flushed_to, alive) VALUES (0, 0, ?)",
                       (_now_number(),))
            self._own = db
        return self._own

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
        # Still safe through a kill -9 of the server (WAL); only an OS crash or power cut
        # could cost the newest entries, or the file (then skipped when read). Measured: the
        # fsync at each WAL checkpoint cost 15 % of a list request's throughput.
        db.execute("PRAGMA synchronous=OFF")
        return db

    # -- the files of processes that are gone -------------------------------------------------

    def retire_dead(self, silent_for: float = SILENT_FOR_DEAD) -> int:
        """Fold the files of writers that are gone (no such process, and silent for
        ``silent_for`` seconds: a process of another PID namespace sharing the folder still
        beats) into one retired file, keeping their counts and the newest ``journal_size``
        entries, and remove them; returns how many. A new process does this when it opens
        its own file, so respawned workers do not leave a file each behind."""
        silent_since = _silent_since(silent_for)
        gone = [path for path in sorted(self.folder.glob("*.db"))
                if path.stem.isdigit() and not _running(int(path.stem))
                and _silent(path, silent_since)]
        if not gone:
            return 0
        retired = 0
        with closing(self._open(self.folder / RETIRED)) as archive:
            archive.execute("PRAGMA busy_timeout=30000")
            archive.execute("PRAGMA journal_mode=WAL")
            for statement in _SCHEMA[:2]:
                archive.execute(statement)
            # The archive's write lock is also the turn to retire: two new processes never
            # fold one file twice.
            archive.execute("BEGIN IMMEDIATE")
            try:
                for path in gone:
                    retired += self._retire(archive, path, silent_since)
                self._trim(archive)
            except BaseException:
                archive.execute("ROLLBACK")
                raise
            archive.execute("COMMIT")
        return retired

    def _retire(self, archive: sqlite3.Connection, path: Path, silent_since: int) -> int:
        if not path.exists():
            return 0  # another process retired it first
        counts: list[tuple[str, int]] = []
        rows: list[tuple[int, str]] = []
        if not _silent(path, silent_since):
            return 0  # it beat again: not ours to take
        with closing(sqlite3.connect(path, isolation_level=None, timeout=30)) as db:
            # A table missing (never made, an earlier version's file) or a damaged file
            # leaves that part with nothing to keep.
            with contextlib.suppress(sqlite3.DatabaseError):
                counts = db.execute("SELECT key, hits FROM coverage").fetchall()
            with contextlib.suppress(sqlite3.DatabaseError):
                rows = db.execute("SELECT seq, body FROM journal_ring").fetchall()
        archive.executemany(_COUNT, counts)
        archive.executemany("INSERT OR IGNORE INTO journal_ring (slot, seq, body) "
                            "VALUES (?, ?, ?)", [(seq, seq, body) for seq, body in rows])
        for leftover in (path, path.with_name(path.name + "-wal"),
                         path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        return 1

    def _trim(self, archive: sqlite3.Connection) -> None:
        """Only the newest ``journal_size`` entries can ever be read."""
        archive.execute("DELETE FROM journal_ring WHERE slot NOT IN (SELECT slot FROM "
                        "journal_ring ORDER BY seq DESC LIMIT ?)", (max(self._journal_size, 0),))

    # -- a reader's question to every writing process ----------------------------------------

    def _shared_question(self) -> SharedWord:
        if self._question is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._question = SharedWord(self.folder / "flush")
        return self._question

    def flush_asked(self) -> int:
        return self._shared_question().read()

    def ask_flush(self) -> int:
        mark = _now_number()
        self._shared_question().write(mark)
        return mark

    def wait_flushed(self, mark: int, timeout: float = READ_WAIT) -> None:
        deadline = time.monotonic() + timeout
        while self._behind(mark) and time.monotonic() < deadline:
            time.sleep(0.001)

    def _behind(self, mark: int) -> bool:
        """Whether a live writer, other than this process, has not yet written all it held
        at ``mark``."""
        alive_since = _silent_since(SILENT_FOR_DEAD)
        for path, db in self._each_with_path():
            if path.name == f"{os.getpid()}.db":
                continue  # this process writes its own before it reads
            try:
                row = db.execute("SELECT flushed_to, alive FROM writer").fetchone()
            except sqlite3.OperationalError:
                continue  # an earlier version's file: it never holds entries back
            if row is not None and row[1] >= alive_since and row[0] < mark:
                return True
        return False

    # -- reading and clearing (every process's file) -----------------------------------------

    def _each(self) -> Iterator[sqlite3.Connection]:
        for _, db in self._each_with_path():
            yield db

    def _each_with_path(self) -> Iterator[tuple[Path, sqlite3.Connection]]:
        if not self.folder.is_dir():
            return
        for path in sorted(self.folder.glob("*.db")):
            if not path.exists():
                continue  # retired since the folder was listed (connecting would make it)
            with closing(sqlite3.connect(path, isolation_level=None, timeout=30)) as db:
                try:
                    db.execute("SELECT 1 FROM coverage LIMIT 1")
                except sqlite3.DatabaseError:
                    continue  # its writer has not made its tables yet, or it is damaged
                yield path, db

    def entries(self) -> list[dict[str, Any]]:
        rows: list[tuple[int, str]] = []
        for db in self._each():
            try:
                rows += db.execute("SELECT seq, body FROM journal_ring ORDER BY seq DESC "
                                   "LIMIT ?", (self._journal_size,)).fetchall()
            except sqlite3.OperationalError:
                continue  # a file an earlier version wrote: its journal is not read
        newest = sorted(rows)[-self._journal_size:] if self._journal_size > 0 else []
        return [{**decode(0, body).data, "seq": seq} for seq, body in newest]

    def clear_journal(self) -> int:
        before = len(self.entries())
        for db in self._each():
            with contextlib.suppress(sqlite3.OperationalError):  # an earlier version's file
                db.execute("DELETE FROM journal_ring")
        return before

    def counts(self) -> dict[str, int]:
        total: Counter[str] = Counter()
        for db in self._each():
            total.update(dict(db.execute("SELECT key, hits FROM coverage").fetchall()))
        return dict(total)

    def clear_counts(self) -> None:
        for db in self._each():
            db.execute("DELETE FROM coverage")

    def close(self) -> None:
        if self._own is not None:
            self._own.close()
        self._own = None


class SqliteRequests(HeldRequestStore):
    """The request store of a ``sqlite:///PATH`` state: this process's file and the others'."""

    def __init__(self, url: str, journal_size: int) -> None:
        self._files = RequestFiles(sqlite_path(url), journal_size)
        self.shared_name = str(self._files.folder.resolve())

    def journal_add(self, entry: dict[str, Any]) -> None:
        self._files.record(entry, [])

    def record_request(self, entry: dict[str, Any], coverage_keys: list[str]) -> None:
        self._files.record(entry, coverage_keys)

    def next_number(self) -> int:
        return self._files.next_number()

    def record_batch(self, entries: list[tuple[int | None, dict[str, Any]]],
                     counts: Mapping[str, int], flushed_to: int | None) -> None:
        self._files.record_batch(entries, counts, flushed_to)

    def flush_asked(self) -> int:
        return self._files.flush_asked()

    def ask_flush(self) -> int:
        return self._files.ask_flush()

    def wait_flushed(self, mark: int) -> None:
        self._files.wait_flushed(mark)

    def journal_entries(self) -> list[dict[str, Any]]:
        return self._files.entries()

    def journal_clear(self) -> int:
        return self._files.clear_journal()

    def coverage_add(self, keys: list[str]) -> None:
        self._files.record(None, keys)

    def coverage_counts(self) -> dict[str, int]:
        return self._files.counts()

    def coverage_clear(self) -> None:
        self._files.clear_counts()

    def close(self) -> None:
        self._files.close()
