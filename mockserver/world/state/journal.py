"""A bounded, filterable record of the requests the mock answered.

An entry is plain data (strings, numbers, string-to-string maps), so it can be kept in
any store; headers and bodies arrive already bounded and with secrets masked.
"""

from __future__ import annotations

import fnmatch
import threading
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Entry:
    seq: int
    at: str
    method: str
    path: str
    query: str
    status: int
    operation_id: str | None
    workspace_id: str | None
    request_id: str | None
    duration_ms: float
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str = ""
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""

    def to_wire(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class JournalFilter:
    method: str | None = None
    path: str | None = None  # glob, e.g. /api/v1/workflows/*/runs
    status: int | None = None
    workspace_id: str | None = None
    operation_id: str | None = None
    since: int = 0  # only entries after this sequence number (for live views)

    def matches(self, entry: Entry) -> bool:
        return (
            entry.seq > self.since
            and (self.method is None or entry.method == self.method.upper())
            and (self.path is None or fnmatch.fnmatchcase(entry.path, self.path))
            and (self.status is None or entry.status == self.status)
            and (self.workspace_id is None or entry.workspace_id == self.workspace_id)
            and (self.operation_id is None or entry.operation_id == self.operation_id)
        )


class Journal:
    def __init__(self, size: int) -> None:
        self._entries: deque[Entry] = deque(maxlen=max(1, size))
        self._lock = threading.Lock()
        self._seq = 0

    def record(self, **fields: Any) -> None:
        with self._lock:
            self._seq += 1
            self._entries.append(Entry(seq=self._seq, **fields))

    def find(self, where: JournalFilter, limit: int) -> list[Entry]:
        """The newest ``limit`` matching entries, oldest first."""
        with self._lock:
            matching = [e for e in self._entries if where.matches(e)]
        return matching[-limit:] if limit else []

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            return count
