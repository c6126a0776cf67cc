"""The in-process log: no I/O at all, for one process and for the pytest plugin."""

from __future__ import annotations

import threading
from typing import Any

from .base import Event, EventLog, decode, encode


class MemoryLog(EventLog):
    def __init__(self) -> None:
        self.url = "memory"
        self._events: list[Event] = []
        self._lock = threading.Lock()

    def head(self) -> int:
        return len(self._events)

    def read(self, after: int) -> list[Event]:
        with self._lock:
            return self._events[max(after, 0):]

    def append(self, expected_head: int, kind: str, data: dict[str, Any]) -> Event | None:
        # Round-trip through the stored text so every backend hands out equal events.
        text = encode(kind, data)
        with self._lock:
            if len(self._events) != expected_head:
                return None
            event = decode(expected_head + 1, text)
            self._events.append(event)
            return event
