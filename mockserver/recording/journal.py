"""A bounded, filterable record of the requests the mock answered.

The entries live in the state backend's request store, so every worker process of one
mock (and every machine sharing a Redis) writes to and reads from the same journal. An
entry is plain data (strings, numbers, string-to-string maps); headers and bodies arrive
already bounded and with secrets masked.

Recording an entry also counts it in the API coverage (``coverage.py``), which is kept
apart from the bounded entries, so a rotating journal loses no coverage.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .coverage import Coverage, Failure, counter_keys
from .store import HeldRequestStore, RequestStore
from .timing import IDLE_WRITE
from .write_behind import PendingEntry, WriteBehind

# The outcome of request validation against openapi.yaml, as an entry reports it.
VALIDATION_PASSED, VALIDATION_FAILED = "passed", "failed"
VALIDATION_NOT_CHECKED = "not_checked"  # answered before validation (auth, limits, faults)


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
    worker: int | None = None  # the process that answered (several share one journal)
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str = ""
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    validation: str = VALIDATION_NOT_CHECKED
    validation_failures: list[dict[str, str]] = field(default_factory=list)  # field, rule, message
    attribution: str | None = None  # a 4xx: spec_violation, contract_rule or forced

    @property
    def request_json(self) -> Any:
        """The request body as JSON (secret fields masked); None without one."""
        return json.loads(self.request_body) if self.request_body else None

    @property
    def response_json(self) -> Any:
        """The response body as JSON; None without one."""
        return json.loads(self.response_body) if self.response_body else None

    def to_wire(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_stored(item: dict[str, Any]) -> Entry:
        known: dict[str, Any] = {f.name: item[f.name] for f in fields(Entry) if f.name in item}
        return Entry(**known)


@dataclass(frozen=True)
class JournalFilter:
    method: str | None = None
    path: str | None = None  # glob, e.g. /api/v1/workflows/*/runs
    status: int | None = None
    workspace_id: str | None = None
    operation_id: str | None = None
    since: int = 0  # only entries after this sequence number (for live views)
    # Leave out paths starting with any of these (e.g. /files/: audio fetches crowd a view).
    exclude_prefixes: tuple[str, ...] = ()

    def matches(self, entry: Entry) -> bool:
        return (
            entry.seq > self.since
            and not (self.exclude_prefixes and entry.path.startswith(self.exclude_prefixes))
            and (self.method is None or entry.method == self.method.upper())
            and (self.path is None or fnmatch.fnmatchcase(entry.path, self.path))
            and (self.status is None or entry.status == self.status)
            and (self.workspace_id is None or entry.workspace_id == self.workspace_id)
            and (self.operation_id is None or entry.operation_id == self.operation_id)
        )


class Journal:
    def __init__(self, store: RequestStore, journal_size: int, *,
                 idle: float = IDLE_WRITE) -> None:
        self._store = store
        self._held = store if isinstance(store, HeldRequestStore) else None
        self._behind = (WriteBehind(self._held, journal_size, idle=idle)
                        if self._held is not None else None)
        self.coverage = Coverage(store, before_read=self._flush_everywhere)

    def record(self, **entry: Any) -> None:
        """Keep an entry given as fields (``Entry``'s, less ``seq``)."""
        self.keep(_Fields(entry))

    def keep(self, pending: PendingEntry) -> None:
        """Keep an answered request's entry and count it as covered: held, where the
        store allows, until it may be read."""
        if self._behind is not None:
            self._behind.add(pending)
        else:
            self._store.record_request(pending.entry(), pending.coverage_keys())

    def _flush_everywhere(self) -> int | None:
        """Have every process write what it holds; returns the newest entry number the
        store may now be read up to (None: all of it)."""
        if self._held is None or self._behind is None:
            return None  # written at once
        mark = self._held.ask_flush()
        self._behind.write_with_peers()
        if mark is not None:
            self._held.wait_flushed(mark)
        return mark

    def find(self, where: JournalFilter, limit: int) -> list[Entry]:
        """The newest ``limit`` matching entries, oldest first."""
        mark = self._flush_everywhere()
        entries = (Entry.from_stored(item) for item in self._store.journal_entries())
        # Entries numbered after the mark may still be held by a process that already
        # answered: left for the next read, so a live view ("since") never skips one.
        matching = [e for e in entries
                    if where.matches(e) and (mark is None or e.seq <= mark)]
        return matching[-limit:] if limit else []

    def clear(self) -> int:
        self._flush_everywhere()
        return self._store.journal_clear()


class _Fields:
    """An entry already given as its fields."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self._fields = fields

    def entry(self) -> dict[str, Any]:
        return self._fields

    def held_buffers(self) -> tuple[bytes, ...]:
        return ()

    def coverage_keys(self) -> list[str]:
        entry = self._fields
        failures = [Failure(**item) for item in entry.get("validation_failures", ())]
        return counter_keys(entry.get("workspace_id"), entry.get("operation_id"),
                            entry["status"], entry.get("attribution"), failures)
