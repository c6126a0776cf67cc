"""A log in one SQLite file (WAL): state that survives restarts, shared by local workers.

Each process (and thread) opens its own connection, so a forked worker never reuses its
parent's. Appends are single ``INSERT … WHERE head = expected`` statements, atomic in SQLite, so no
lock is held across the caller's checks.
``synchronous=NORMAL`` under WAL keeps every acknowledged write through a crash of the
server process (``kill -9``); only a power cut could lose the last ones.
The request journal and coverage counters are kept per process beside it
(``recording/sqlite_requests.py``).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from ... import process
from ...errors import StateUrlError
from .base import Event, EventLog, Snapshot, decode, encode
from .head_signal import HeadSignal

_SCHEMA = ("CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)",
           # One row: the latest snapshot (see world/service/snapshots.py).
           "CREATE TABLE IF NOT EXISTS snapshot (one INTEGER PRIMARY KEY CHECK (one = 1), "
           "seq INTEGER NOT NULL, meta TEXT NOT NULL, body BLOB NOT NULL)")


def sqlite_path(url: str) -> Path:
    """``sqlite:///relative.db`` or ``sqlite:////absolute/path.db`` -> a path."""
    parts = urlsplit(url)
    if parts.netloc or not parts.path or parts.path == "/":
        raise StateUrlError(f"{url!r}: write sqlite:///PATH (three slashes, then the file)")
    return Path(unquote(parts.path[1:]))


def _use_wal(db: sqlite3.Connection, patience: float = 30.0) -> None:
    """Switch a fresh file to WAL. Two processes opening one new file at once can find it
    locked: SQLite answers that switch with "locked" at once rather than calling the busy
    handler, so it is tried again here, as the busy timeout would have."""
    deadline = time.monotonic() + patience
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class SqliteLog(EventLog, process.PerProcess):
    def __init__(self, url: str) -> None:
        self.url = url
        self.path = sqlite_path(url)
        self._local = threading.local()  # each thread's connection
        process.register(self)  # a forked child opens its own
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = self._db()
            # Every request asks for the head; the sign answers without a query when
            # nothing was appended (that read was 10-15 % of a small request's time).
            self._signal = HeadSignal(self.path)
        except (OSError, sqlite3.Error) as exc:
            raise StateUrlError(f"{url!r}: cannot open the state file ({exc})") from exc
        _use_wal(db)
        for statement in _SCHEMA:
            db.execute(statement)

    def after_fork_in_child(self) -> None:
        self._local = threading.local()  # the parent's connections are not this process's

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, timeout=30,
                                 check_same_thread=False)
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA busy_timeout=30000")
            self._local.db = db
        return db

    def head(self) -> int:
        return self._signal.head(self._read_head)

    def _read_head(self) -> int:
        row = self._db().execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
        return int(row[0])

    def read(self, after: int) -> list[Event]:
        rows = self._db().execute("SELECT seq, body FROM events WHERE seq > ? ORDER BY seq",
                                  (after,))
        return [decode(seq, body) for seq, body in rows]

    def append(self, expected_head: int, kind: str, data: dict[str, Any]) -> Event | None:
        text = encode(kind, data)
        try:
            # One statement is one atomic transaction: the head check and the insert
            # cannot be split by another writer (and the primary key backs it up).
            cursor = self._db().execute(
                "INSERT INTO events (seq, body) SELECT ?, ? "
                "WHERE (SELECT COALESCE(MAX(seq), 0) FROM events) = ?",
                (expected_head + 1, text, expected_head))
        except sqlite3.IntegrityError:
            return None
        if cursor.rowcount != 1:
            return None  # the head moved: the caller catches up and decides again
        self._signal.appended(expected_head + 1)
        return decode(expected_head + 1, text)

    def event_at(self, seq: int) -> Event | None:
        row = self._db().execute("SELECT body FROM events WHERE seq = ?", (seq,)).fetchone()
        return decode(seq, row[0]) if row else None

    def snapshot_save(self, snapshot: Snapshot) -> None:
        self._db().execute(
            "INSERT INTO snapshot (one, seq, meta, body) VALUES (1, ?, ?, ?) "
            "ON CONFLICT (one) DO UPDATE SET seq = excluded.seq, meta = excluded.meta, "
            "body = excluded.body WHERE excluded.seq >= snapshot.seq",
            (snapshot.seq, snapshot.meta, snapshot.body))

    def snapshot_latest(self) -> Snapshot | None:
        row = self._db().execute("SELECT seq, meta, body FROM snapshot").fetchone()
        return Snapshot(int(row[0]), str(row[1]), bytes(row[2])) if row else None

    def snapshot_seq(self) -> int:
        row = self._db().execute("SELECT seq FROM snapshot").fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
        self._local = threading.local()
