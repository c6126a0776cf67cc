"""Workflow wire shapes and the list semantics of ``GET /workflows`` (workflows.md §3.1)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...envelope import iso
from ..runs.record import RunRecord
from ..state.records import WorkflowRecord
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


@dataclass(frozen=True)
class _SettledAggregates:
    at: datetime
    statuses: tuple[str, ...]
    value: Aggregates


def workflow_aggregates(state: WorkspaceState, workflow_id: str, now: datetime,
                        statuses: tuple[str, ...]) -> Aggregates:
    """``aggregates`` of one workflow, reused while none of its runs changes and all are
    settled (terminal, nothing ahead): a list page then costs nothing per run."""
    kept = state.runs.derived(workflow_id)
    if isinstance(kept, _SettledAggregates) and kept.at <= now and kept.statuses == statuses:
        return kept.value
    runs = state.runs_of(workflow_id)
    value = aggregates(runs, now, statuses)
    if all(run.settled(now) for run in runs):
        state.runs.keep_derived(workflow_id, _SettledAggregates(now, statuses, value))
    return value


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
    if query.search:
        needle = query.search.casefold()
        haystack = f"{record.name}\n{record.description or ''}".casefold()
        if needle not in haystack:
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


def _key(field: str) -> Callable[[Row], Any]:
    getters: dict[str, Callable[[Row], Any]] = {
        "name": lambda row: row[0].name.casefold(),
        "updated_at": lambda row: row[0].updated_at,
        "runs_count": lambda row: row[1].runs_count,
    }
    return getters[field]


def filter_and_sort(rows: list[Row], query: ListQuery) -> list[Row]:
    """Filter, then sort by the requested keys in priority order with an ``id ASC`` tiebreak."""
    kept = [row for row in rows if _matches(row, query)]
    kept.sort(key=lambda row: row[0].id)  # stable sorts below keep this as the last key
    keys = list(query.sort) or ["updated_at"]
    for position in reversed(range(len(keys))):
        field = keys[position]
        order = query.order[position] if position < len(query.order) else _DEFAULT_ORDER[field]
        kept.sort(key=_key(field), reverse=order == "desc")
    return kept
