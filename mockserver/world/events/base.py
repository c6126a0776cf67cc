"""The event log's interface and the stored text of an event."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any


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


@dataclass(frozen=True)
class Snapshot:
    """The materialised state at event ``seq`` (``world/service/snapshots.py`` makes and
    checks it): ``meta`` is JSON text saying what it may be applied to, ``body`` the state."""

    seq: int
    meta: str
    body: bytes


class EventLog(ABC):
    """An append-only, totally ordered log shared by every process that opens it: head,
    read, append and close (the request journal is ``recording``'s), and beside the
    events the latest snapshot, so a restart applies only the events after it (a backend
    that outlives no process, memory, keeps it in memory)."""

    url: str
    _snapshot: Snapshot | None = None

    @abstractmethod
    def head(self) -> int:
        """The position of the last event (0 for an empty log)."""

    @abstractmethod
    def read(self, after: int) -> list[Event]:
        """Every event with ``seq > after``, in order."""

    @abstractmethod
    def append(self, expected_head: int, kind: str, data: dict[str, Any]) -> Event | None:
        """Append at ``expected_head + 1`` if nobody appended since; else ``None``."""

    def event_at(self, seq: int) -> Event | None:
        """The event at ``seq`` (None past the head)."""
        found = self.read(seq - 1)
        return found[0] if found else None

    def snapshot_save(self, snapshot: Snapshot) -> None:
        """Keep ``snapshot`` unless the one kept is of a later event (one of the same event
        is replaced: it may have been written by other code)."""
        if self._snapshot is None or self._snapshot.seq <= snapshot.seq:
            self._snapshot = snapshot

    def snapshot_latest(self) -> Snapshot | None:
        return self._snapshot

    def snapshot_seq(self) -> int:
        """The event number of the kept snapshot (0: none), without reading its body."""
        return self._snapshot.seq if self._snapshot else 0

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release connections (a process that forks opens its own again)."""
