"""The run record, and the one place one is made: ``new_run``, for seeded and API-started
runs alike. A run's plan is decided only by ``plan_run`` (also used to re-plan a run forced
to complete), and every run ticks at the speed it was made with (``--run-speed``).

Run *state* is never stored: ``RunRecord.timeline`` folds the plan and controls at an instant.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..catalog.catalog import Catalog
from ..catalog.graph_view import GraphView, graph_view
from ..rng import stable_uuid
from .billing import SETTLEMENT_MISSING
from .lifecycle import Control, Timeline, fold
from .plan import RunPlan, make_plan
from .progress import Progress


@dataclass
class RunRecord:
    id: str
    workflow_id: str
    workspace_id: str
    run_number: int
    created_at: datetime
    triggered_by: dict[str, str]
    snapshot: dict[str, Any]
    plan: RunPlan
    speed: float = 1.0
    controls: list[Control] = field(default_factory=list)
    stall_ms: int | None = None
    stall_pending: bool = False
    public_share_id: str | None = None
    shared_at: datetime | None = None
    # A billing record the run lost (runs/billing.py); only seeded runs ever lose one.
    billing_gap: str | None = None
    # (fold inputs, instant, timeline) of the first fold that found the run settled: terminal
    # with no control still ahead. Folding later gives the same timeline, so it is reused.
    _settled: tuple[tuple[Any, ...], datetime, Timeline] | None = field(
        default=None, init=False, repr=False, compare=False)

    _graph: tuple[dict[str, Any], GraphView] | None = field(
        default=None, init=False, repr=False, compare=False)
    # The Progress of the settled timeline above, with that timeline.
    _progress: tuple[Timeline, Progress] | None = field(
        default=None, init=False, repr=False, compare=False)

    def graph(self) -> GraphView:
        """The snapshot's graph, built once: a run's snapshot is never changed in place."""
        kept = self._graph
        if kept is None or kept[0] is not self.snapshot:
            kept = (self.snapshot, graph_view(self.snapshot))
            self._graph = kept
        return kept[1]

    def _fold_inputs(self) -> tuple[Any, ...]:
        # Compared with ==, which tries identity first: the same plan object costs nothing.
        return (self.plan, self.created_at, tuple(self.controls), self.speed, self.stall_ms,
                self.stall_pending)

    def timeline(self, now: datetime) -> Timeline:
        """The run's state at ``now`` (shared when settled: callers must not change it)."""
        inputs = self._fold_inputs()
        settled = self._settled
        # A clock set back before the instant it settled, or any change, means a fresh fold.
        if settled is not None and settled[1] <= now and settled[0] == inputs:
            return settled[2]
        timeline = fold(self.plan, self.created_at, self.controls, now, speed=self.speed,
                        stall_ms=self.stall_ms, stall_pending=self.stall_pending)
        if timeline.terminal and all(control.at <= now for control in self.controls):
            self._settled = (inputs, now, timeline)
            _SETTLED.keep(self)
        return timeline

    def progress(self, timeline: Timeline) -> Progress:
        """What the run has done by ``timeline`` (one ``self.timeline`` gave). A Progress
        reads only the plan and the timeline and keeps what it works out, so a settled
        run's is kept with its settled timeline and every later read reuses that work
        (shared: callers must not change what it returns)."""
        kept = self._progress
        if kept is not None and kept[0] is timeline and kept[1].plan is self.plan:
            return kept[1]
        progress = Progress(self.plan, timeline,
                            settlement_lost=self.billing_gap == SETTLEMENT_MISSING)
        settled = self._settled
        if settled is not None and settled[2] is timeline:
            self._progress = (timeline, progress)
        return progress

    def settled(self, now: datetime) -> bool:
        """Whether the run's timeline can no longer change after ``now`` (unless it does)."""
        self.timeline(now)
        settled = self._settled
        return settled is not None and settled[1] <= now and settled[0] == self._fold_inputs()


class _SettledLru:
    """Bounds how many runs keep their settled timeline: a workspace of a million runs
    read end to end would otherwise hold one per run. The least recently settled lose it
    (and fold again when next read)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._kept: OrderedDict[int, weakref.ref[RunRecord]] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, run: RunRecord) -> None:
        with self._lock:
            self._kept[id(run)] = weakref.ref(run)
            self._kept.move_to_end(id(run))
            while len(self._kept) > self.limit:
                _key, ref = self._kept.popitem(last=False)
                dropped = ref()
                if dropped is not None:
                    dropped._settled = None

    def __len__(self) -> int:
        return len(self._kept)


_SETTLED = _SettledLru(limit=20_000)


def run_id_for(seed: int, workflow_id: str, run_number: int) -> str:
    """Run ids follow (seed, workflow, number), so a replay makes the same ones."""
    return stable_uuid(seed, "run", f"{workflow_id}:{run_number}")


def plan_run(seed: int, catalog: Catalog, run_id: str, snapshot: dict[str, Any], *,
             fail: bool | None = None) -> RunPlan:
    """The run's plan; ``fail`` forces (True) or forbids (False) its seeded failure."""
    return make_plan(seed, run_id, snapshot, catalog, fail=fail)


def new_run(seed: int, catalog: Catalog, *, workflow_id: str, workspace_id: str,
            run_number: int, created_at: datetime, triggered_by: dict[str, str],
            snapshot: dict[str, Any], speed: float, fail: bool | None = None) -> RunRecord:
    """A new run of a workflow, planned from ``snapshot`` and ticking at ``speed``."""
    run_id = run_id_for(seed, workflow_id, run_number)
    return RunRecord(
        id=run_id, workflow_id=workflow_id, workspace_id=workspace_id, run_number=run_number,
        created_at=created_at, triggered_by=triggered_by, snapshot=snapshot,
        plan=plan_run(seed, catalog, run_id, snapshot, fail=fail), speed=speed,
    )
