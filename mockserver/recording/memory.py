"""The in-process request store: no I/O at all, for one process and the pytest plugin."""

from __future__ import annotations

import threading
from collections import Counter, deque
from collections.abc import Mapping
from typing import Any

from .store import HeldRequestStore


class MemoryRequests(HeldRequestStore):
    """One process: its own reads write what it holds first."""

    def __init__(self, journal_size: int) -> None:
        self.shared_name = f"memory-{id(self)}"  # journals on this store write for each other
        self._journal: deque[dict[str, Any]] = deque(maxlen=max(journal_size, 0) or None)
        self._journal_size = journal_size
        self._lock = threading.Lock()
        self._journal_seq = 0
        self._coverage: Counter[str] = Counter()

    def next_number(self) -> int:
        with self._lock:
            self._journal_seq += 1
            return self._journal_seq

    def journal_add(self, entry: dict[str, Any]) -> None:
        self.record_batch([(None, entry)], {}, None)

    def record_batch(self, entries: list[tuple[int | None, dict[str, Any]]],
                     counts: Mapping[str, int], flushed_to: int | None) -> None:
        with self._lock:
            self._coverage.update(counts)
            if self._journal_size <= 0:
                return
            for seq, entry in entries:
                if seq is None:
                    self._journal_seq += 1
                    seq = self._journal_seq
                self._journal.append({**entry, "seq": seq})

    def journal_entries(self) -> list[dict[str, Any]]:
        return list(self._journal)

    def journal_clear(self) -> int:
        count = len(self._journal)
        self._journal.clear()
        return count

    def coverage_add(self, keys: list[str]) -> None:
        with self._lock:
            self._coverage.update(keys)

    def coverage_counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._coverage)

    def coverage_clear(self) -> None:
        with self._lock:
            self._coverage.clear()
