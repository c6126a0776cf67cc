"""Workflow wire shapes and the list semantics of ``GET /workflows`` (workflows.md §3.1)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, overload

from ...envelope import iso
from ..runs.record import RunRecord
from ..state.derived import AggregatesStamp, DerivedCaches, OrderStamp
from ..state.records import WorkflowRecord
from ..state.run_table import SeededRuns
from ..state.store import WorkspaceState

# Latest-run status -> list bucket; "cancelled" is in no bucket, "pending" counts as running.
_BUCKETS = {"completed": "completed", "failed": "failed", "running": "running",
            "paused": "running", "pending": "running"}
_DEFAULT_ORDER = {"name": "asc", "updated_at": "desc", "runs_count": "desc"}


@dataclass(frozen=True)
class Aggregates:
    runs_count: int
    last_run_at: datetime | None
    last_run_status: str | None
    counts: dict[str, int]
    has_failed: bool

    @property
    def bucket(self) -> str | None:
        if self.last_run_status is None:
            return "draft"
        return _BUCKETS.get(self.last_run_status)


def aggregates(runs: list[RunRecord], now: datetime, statuses: tuple[str, ...]) -> Aggregates:
    """Run aggregates over *all* runs of a workflow, as they stand at ``now``.

    ``statuses`` is the run-status list of openapi.yaml (``RunStatusCounts``).
    """
    seen = [run.timeline(now).status for run in runs]
    counts = {status: seen.count(status) for status in statuses}
    latest = max(runs, key=lambda r: (r.created_at, r.run_number), default=None)
    return Aggregates(
        runs_count=len(runs),
        last_run_at=latest.created_at if latest else None,
        last_run_status=seen[runs.index(latest)] if latest else None,
        counts=counts,
        has_failed=counts["failed"] > 0,
    )


def _seeded_aggregates(seeded: SeededRuns, statuses: tuple[str, ...]) -> Aggregates:
    """What ``aggregates`` will find once the runs are built, read from the seed alone."""
    counts = {status: seeded.statuses.get(status, 0) for status in statuses}
    return Aggregates(runs_count=seeded.count, last_run_at=seeded.latest_at,
                      last_run_status=seeded.latest_status, counts=counts,
                      has_failed=counts.get("failed", 0) > 0)


def workflow_aggregates(caches: DerivedCaches, state: WorkspaceState, workflow_id: str,
                        now: datetime, statuses: tuple[str, ...]) -> Aggregates:
    """``aggregates`` of one workflow, kept while none of its runs changes and all are
    settled (terminal, nothing ahead): a list page then costs nothing per run. A workflow
    whose seeded runs are not built yet answers from the seed, once its runs have reached
    the statuses the seed gave them (shared: readers copy ``counts``)."""
    key = (state.info.id, workflow_id)
    asked = AggregatesStamp(state.generation, state.runs.version(workflow_id), statuses, now)
    kept: Aggregates | None = caches.aggregates.get(key, asked)
    if kept is not None:
        return kept
    seeded = state.runs.seeded(workflow_id)
    if seeded is not None and seeded.decided_at(now):
        value = _seeded_aggregates(seeded, statuses)
        # True from the instant the seed's statuses are reached, until a run is built.
        since = seeded.decided_from or datetime.min.replace(tzinfo=now.tzinfo)
        caches.aggregates.put(key, replace(asked, at=since), value)
        return value
    runs = state.runs_of(workflow_id)
    value = aggregates(runs, now, statuses)
    if all(run.settled(now) for run in runs):
        caches.aggregates.put(key, asked, value)
    return value


def aggregates_steady(caches: DerivedCaches, state: WorkspaceState, workflow_id: str,
                      now: datetime, statuses: tuple[str, ...]) -> bool:
    """Whether the aggregates ``workflow_aggregates`` gave at ``now`` hold until the next
    event: exactly when it kept them."""
    asked = AggregatesStamp(state.generation, state.runs.version(workflow_id), statuses, now)
    return caches.aggregates.get((state.info.id, workflow_id), asked) is not None


def workflow_out(record: WorkflowRecord, agg: Aggregates, *,
                 definition: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": record.id,
        "user_id": record.user_id,
        "name": record.name,
        "name_source": record.name_source,
        "description": record.description,
    }
    if definition:
        out["definition"] = record.definition
    out.update({
        "created_at": iso(record.created_at),
        "updated_at": iso(record.updated_at),
        "runs_count": agg.runs_count,
        "last_run_at": iso(agg.last_run_at) if agg.last_run_at else None,
        "last_run_status": agg.last_run_status,
        "run_status_counts": dict(agg.counts),
    })
    return out


@dataclass(frozen=True)
class ListQuery:
    status: str | None = None
    search: str | None = None
    sort: tuple[str, ...] = ()
    order: tuple[str, ...] = ()
    last_run_after: datetime | None = None
    last_run_before: datetime | None = None
    has_failed_run: bool | None = None


Row = tuple[WorkflowRecord, Aggregates]


def _matches(row: Row, query: ListQuery) -> bool:
    record, agg = row
    if query.status is not None and agg.bucket != query.status:
        return False
    if query.search and query.search.casefold() not in _haystack(record):
        return False
    if query.has_failed_run is not None and agg.has_failed != query.has_failed_run:
        return False
    if query.last_run_after or query.last_run_before:
        if agg.last_run_at is None:
            return False
        if query.last_run_after and agg.last_run_at < query.last_run_after:
            return False
        if query.last_run_before and agg.last_run_at > query.last_run_before:
            return False
    return True


def _sorted(records: list[WorkflowRecord], query: ListQuery,
            runs_count: Callable[[str], int]) -> list[WorkflowRecord]:
    """Sort by the requested keys in priority order with an ``id ASC`` tiebreak."""
    getters: dict[str, Callable[[WorkflowRecord], Any]] = {
        "name": lambda w: w.name.casefold(),
        "updated_at": lambda w: w.updated_at,
        "runs_count": lambda w: runs_count(w.id),
    }
    ordered = sorted(records, key=lambda w: w.id)  # stable sorts below keep it the last key
    keys = list(query.sort) or ["updated_at"]
    for position in reversed(range(len(keys))):
        field = keys[position]
        order = query.order[position] if position < len(query.order) else _DEFAULT_ORDER[field]
        ordered.sort(key=getters[field], reverse=order == "desc")
    return ordered


def needs_every_row(query: ListQuery) -> bool:
    """Whether the list's rows depend on every workflow's runs (a run-status filter),
    not only on the rows of the page."""
    return not (query.status is None and query.has_failed_run is None
                and query.last_run_after is None and query.last_run_before is None)


class _Page(Sequence[Row]):
    """Listed workflows in order, whose aggregates are read only for the rows sliced out."""

    def __init__(self, caches: DerivedCaches, state: WorkspaceState, ids: list[str],
                 now: datetime, statuses: tuple[str, ...]) -> None:
        self._caches, self._state, self._ids = caches, state, ids
        self._now, self._statuses = now, statuses

    def __len__(self) -> int:
        return len(self._ids)

    def _row(self, workflow_id: str) -> Row:
        return (self._state.workflows[workflow_id],
                workflow_aggregates(self._caches, self._state, workflow_id, self._now,
                                    self._statuses))

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return [self._row(workflow_id) for workflow_id in self._ids[index]]
        return self._row(self._ids[index])


def list_rows(caches: DerivedCaches, state: WorkspaceState, query: ListQuery, now: datetime,
              statuses: tuple[str, ...]) -> Sequence[Row]:
    """``GET /workflows`` in order: a slice of a prepared order unless a filter needs runs.

    The order depends only on names, dates and run counts (never on the clock), so it is
    kept per workspace until a workflow or a run count changes; ``offset=9000`` then costs
    a slice, and aggregates are read only for the page. Filters on run statuses still read
    every workflow's aggregates (from the seed where runs are not built).
    """
    key = (state.info.id, (query.sort, query.order))
    stamp = OrderStamp(state.generation, state.workflows_version, state.runs.total_version)
    ids = caches.list_orders.get_or_make(key, stamp, lambda: [w.id for w in _sorted(
        state.live_workflows(), query, state.runs.count_of)])
    if query.search:
        needle = query.search.casefold()
        ids = [i for i in ids if needle in _haystack(state.workflows[i])]
    rows = _Page(caches, state, ids, now, statuses)
    if not needs_every_row(query):
        return rows
    return [row for row in rows[:] if _matches(row, query)]


def _haystack(record: WorkflowRecord) -> str:
    return f"{record.name}\n{record.description or ''}".casefold()
