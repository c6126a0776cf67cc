"""Encoded answers to reads that only an event, or the next second, can change.

A settled run (terminal, no control still ahead) reads the same until an event lands
(a reset, a deleted workflow, the clock set back) and, for its signed links, until their
expiry second moves on. So within one ``(events applied, link expiry)`` stamp its detail,
steps, data and outputs can be encoded once and sent again: a client polling a finished
run, or a load test, stops paying for building and encoding a 40 KB page each time.

Per process, like the view it reads from; the stamp only moves forward, and a newer
stamp empties the cache, so it holds at most one second's worth of pages (and
``max_bytes`` at most).
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

Stamp = tuple[int, int]  # (events applied, link expiry second)


@dataclass(frozen=True)
class EncodedRead:
    """A read's answer with its ``data`` already encoded (compact JSON, UTF-8)."""

    data_json: bytes
    pagination: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


class ReadCache:
    def __init__(self, max_bytes: int = 4 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._stamp: Stamp = (-1, -1)
        self._entries: dict[Hashable, EncodedRead] = {}
        self._bytes = 0

    def get(self, stamp: Stamp, key: Hashable) -> EncodedRead | None:
        with self._lock:
            return self._entries.get(key) if stamp == self._stamp else None

    def put(self, stamp: Stamp, key: Hashable, read: EncodedRead) -> None:
        with self._lock:
            if stamp < self._stamp:
                return  # built by a request that started before the last event or second
            if stamp != self._stamp:
                self._stamp, self._entries, self._bytes = stamp, {}, 0
            size = len(read.data_json)
            if self._bytes + size > self.max_bytes:
                return
            self._entries[key] = read
            self._bytes += size

    def __len__(self) -> int:
        return len(self._entries)
