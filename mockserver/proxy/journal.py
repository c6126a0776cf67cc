"""The violations the proxy saw, newest last, bounded (``GET /__mock/violations``)."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Violation:
    direction: str  # "request" or "response"
    check: str
    message: str
    schema_path: str = ""


@dataclass(frozen=True)
class Entry:
    at: str
    method: str
    path: str
    operation: str | None
    status: int
    violations: tuple[Violation, ...]

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "violations": [asdict(v) for v in self.violations]}


class ViolationJournal:
    def __init__(self, size: int = 500) -> None:
        self._entries: deque[Entry] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, entry: Entry) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            return count
