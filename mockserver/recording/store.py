"""``RequestStore``: where one mock's journal entries and coverage counters are kept.

Every state backend has one (``memory``, SQLite files per process, Redis), opened beside
its event log by ``state_backends.open_state``. Entries are plain JSON dicts, oldest first,
bounded by the journal's size; the counters are not bounded by it, so a rotating journal
loses no coverage.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any


class RequestStore(ABC):
    """A bounded list of request journal entries and the coverage counters beside it.

    The store numbers the entries (``seq``), so numbers stay unique across processes.
    """

    @abstractmethod
    def journal_add(self, entry: dict[str, Any]) -> None: ...

    @abstractmethod
    def journal_entries(self) -> list[dict[str, Any]]: ...

    @abstractmethod
    def journal_clear(self) -> int:
        """Forget every entry; returns how many there were."""

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

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Release connections (a process that forks opens its own again)."""


class HeldRequestStore(RequestStore):
    """A store whose journal may be written behind the answers (``write_behind.py``): each
    process holds its entries until they may be read. One shared across machines cannot
    be (nothing there carries a reader's question to every writer), and is written at once.
    """

    # A name every handle on the same store shares: journals on it write for each other.
    shared_name: str

    @abstractmethod
    def next_number(self) -> int:
        """The number of an entry recorded now (entries are numbered when recorded,
        not when written)."""

    @abstractmethod
    def record_batch(self, entries: list[tuple[int | None, dict[str, Any]]],
                     counts: Mapping[str, int], flushed_to: int | None) -> None:
        """Keep held entries (each with its ``next_number()``, oldest first) and add held
        counts, in one write where the store allows. ``flushed_to``: a ``next_number()`` taken
        before the entries were gathered, which readers waiting on this process compare
        with their ``ask_flush()``."""

    def flush_asked(self) -> int | None:
        """What readers in other processes last asked for (it changes with each question);
        None for a store only one process writes, where nobody else asks."""
        return None

    def ask_flush(self) -> int | None:
        """Ask every other writing process to write what it holds; returns the newest
        entry number the answer may hold (None: any), for ``wait_flushed``."""
        return None

    def wait_flushed(self, mark: int) -> None:
        """Wait (bounded) until every live writing process wrote what it held at
        ``ask_flush()`` time."""
