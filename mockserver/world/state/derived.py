"""What one app's reads keep of what they worked out, and what each kept value depends on.

Held by the engine (``StateEngine.caches``) and filled by the reads that work the values
out (``service/reads.py`` for encoded answers, ``views/workflow_views.py`` for aggregates
and list orders); never by records. Each cache is a ``caches.StampedCache``: bounded, and
a value is served only while its stamp still answers the read (see ARCHITECTURE.md, the
table of caches). Per-run derived state (timeline, progress, takes, graph) is kept
process-wide beside the run record instead (``runs/record.py``), under one bound.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ...caches import StampedCache

ENCODED_READS_BYTES = 4 * 1024 * 1024
AGGREGATES_BOUND = 100_000  # workflows (a workspace holds at most 50,000)
LIST_ORDERS_BOUND = 1024  # (workspace, sort, order) combinations


@dataclass(frozen=True)
class EncodedRead:
    """A read's answer with its ``data`` already encoded (compact JSON, UTF-8)."""

    data_json: bytes
    pagination: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, order=True)
class ReadStamp:
    """A settled run reads the same until an event lands (a reset, a deleted workflow, the
    clock set back) and, for its signed links, until their expiry second moves on."""

    events_applied: int
    link_expiry: int


@dataclass(frozen=True, slots=True)
class AggregatesStamp:
    """A workflow's list aggregates hold while none of its runs changes (the run table's
    version) and all are settled, from the instant they were worked out on."""

    workspace_generation: int
    runs_version: int
    statuses: tuple[str, ...]
    at: datetime


def _aggregates_fit(kept: AggregatesStamp, asked: AggregatesStamp) -> bool:
    return (kept.workspace_generation == asked.workspace_generation
            and kept.runs_version == asked.runs_version and kept.statuses == asked.statuses
            and kept.at <= asked.at)


@dataclass(frozen=True, slots=True)
class OrderStamp:
    """A list order (names, dates, run counts) holds until a workflow or a run count
    changes."""

    workspace_generation: int
    workflows_version: int
    runs_version: int


class DerivedCaches:
    """Every cache of one app's reads."""

    def __init__(self) -> None:
        # Encoded answers of settled runs, by (operation, workspace, run, query, URL): the
        # stamp only moves forward, and a newer one empties the cache, so it holds at most
        # one second's worth of pages.
        self.encoded_reads: StampedCache[Hashable, ReadStamp, EncodedRead] = StampedCache(
            "encoded reads", 100_000, forward_only=True,
            weigh=lambda read: len(read.data_json), max_weight=ENCODED_READS_BYTES)
        # A workflow's list aggregates, by (workspace, workflow).
        self.aggregates: StampedCache[tuple[str, str], AggregatesStamp, Any] = StampedCache(
            "workflow aggregates", AGGREGATES_BOUND, fits=_aggregates_fit)
        # A list's order of workflow ids, by (workspace, the list's sort and order).
        self.list_orders: StampedCache[tuple[str, Hashable], OrderStamp, list[str]] = \
            StampedCache("list orders", LIST_ORDERS_BOUND)
