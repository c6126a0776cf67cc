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


class EventLog(ABC):
    """An append-only, totally ordered log shared by every process that opens it: head,
    read, append and close, nothing else (the request journal is ``recording``'s)."""

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

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release connections (a process that forks opens its own again)."""
