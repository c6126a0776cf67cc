"""The backend interface and the ``--state URL`` parser."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ...errors import StateUrlError


@dataclass(frozen=True)
class Event:
    """One accepted command: its 1-based position, its kind and its JSON payload."""

    seq: int
    kind: str
    data: dict[str, Any]

    def to_wire(self) -> dict[str, Any]:
        return {"seq": self.seq, "kind": self.kind, "data": self.data}

    @staticmethod
    def from_wire(item: dict[str, Any]) -> Event:
        return Event(int(item["seq"]), str(item["kind"]), dict(item["data"]))


def encode(kind: str, data: dict[str, Any]) -> str:
    """The stored text of an event (compact, key order kept, so replays are byte-equal)."""
    return json.dumps({"kind": kind, "data": data}, separators=(",", ":"), allow_nan=False)


def decode(seq: int, text: str | bytes) -> Event:
    item = json.loads(text)
    return Event(seq, item["kind"], item["data"])


class JournalStore(ABC):
    """A bounded list of request journal entries (plain JSON dicts), oldest first.

    The store numbers the entries (``seq``), so numbers stay unique across processes.
    """

    @abstractmethod
    def journal_add(self, entry: dict[str, Any]) -> None: ...

    @abstractmethod
    def journal_entries(self) -> list[dict[str, Any]]: ...

    @abstractmethod
    def journal_clear(self) -> int:
        """Forget every entry; returns how many there were."""

    # The API coverage counters live beside the journal but are not bounded by it: a
    # rotating journal must not lose what a test session covered.

    @abstractmethod
    def coverage_add(self, keys: list[str]) -> None:
        """Add one to each counter (a counter springs into being at its first hit)."""

    @abstractmethod
    def coverage_counts(self) -> dict[str, int]: ...

    @abstractmethod
    def coverage_clear(self) -> None: ...

    def record_request(self, entry: dict[str, Any], coverage_keys: list[str]) -> None:
        """Journal one request and count it, in one round trip where the store allows:
        every API request pays for this, so shared stores override it."""
        self.coverage_add(coverage_keys)
        self.journal_add(entry)

    # Writing behind (``world/state/journal_writer.py``): a store that says so lets each
    # process hold its entries until they may be read. One shared across machines does
    # not (nothing there carries a reader's question to every writer), and is written at
    # once.
    writes_behind = False
    # A name every handle on the same store shares (None: each handle is its own store).
    shared_name: str | None = None

    def stamp(self) -> int | None:
        """The number of an entry recorded now, for a store that numbers entries when
        they are recorded rather than when written (None: when written)."""
        return None

    def record_batch(self, entries: list[tuple[int | None, dict[str, Any]]],
                     counts: Mapping[str, int], settled: int | None) -> None:
        """Keep held entries (each with its ``stamp()``, oldest first) and add held
        counts, in one write where the store allows. ``settled``: a ``stamp()`` taken
        before the entries were gathered, which readers waiting on this process compare
        with their ``settle_mark()``. Only stores that set ``writes_behind`` are asked."""
        raise NotImplementedError(f"{type(self).__name__} does not write behind")

    def settle_wanted(self) -> int | None:
        """What readers in other processes last asked for (it changes with each question);
        None for a store only one process writes, where nobody else asks."""
        return None

    def settle_mark(self) -> int | None:
        """Ask every other writing process to write what it holds; returns the newest
        entry number the answer may hold (None: any), for ``wait_settled``."""
        return None

    def wait_settled(self, mark: int) -> None:  # noqa: B027 - nothing to wait for by default
        """Wait (bounded) until every live writing process wrote what it held at
        ``settle_mark()`` time."""


class EventLog(JournalStore):
    """An append-only, totally ordered log shared by every process that opens it."""

    url: str

    @abstractmethod
    def head(self) -> int:
        """The position of the last event (0 for an empty log)."""

    @abstractmethod
    def read(self, after: int) -> list[Event]:
        """Every event with ``seq > after``, in order."""

    @abstractmethod
    def append(self, expected_head: int, kind: str, data: dict[str, Any]) -> Event | None:
        """Append at ``expected_head + 1`` if nobody appended since; else ``None``."""

    def close(self) -> None:
        """Release connections (a process that forks opens its own again)."""


def open_log(url: str, journal_size: int) -> EventLog:
    """The backend a ``--state`` URL names: ``memory``, ``sqlite:///path``, ``redis://…``."""
    scheme = urlsplit(url).scheme if "://" in url else url
    if scheme == "memory":
        from .memory import MemoryLog

        return MemoryLog(journal_size)
    if scheme == "sqlite":
        from .sqlite import SqliteLog

        return SqliteLog(url, journal_size)
    if scheme in ("redis", "rediss", "unix"):
        from .redis_log import RedisLog

        return RedisLog(url, journal_size)
    raise StateUrlError(f"unknown state backend {url!r}: use memory, sqlite:///PATH or "
                        "redis://HOST:PORT/DB")
