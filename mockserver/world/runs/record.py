"""The run record, and the one place one is made: ``new_run``, for seeded and API-started
runs alike. A run's plan is decided only by ``plan_run`` (also used to re-plan a run forced
to complete), and every run ticks at the speed it was made with (``--run-speed``).

Run *state* is never stored: ``RunRecord.timeline`` folds the plan and controls at an instant.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ...caches import StampedCache
from ..catalog.catalog import Catalog
from ..catalog.graph_view import GraphView, graph_view
from ..rng import stable_uuid
from .billing import SETTLEMENT_MISSING
from .lifecycle import Control, Timeline, fold
from .plan import RunPlan, make_plan
from .progress import Progress


@dataclass(frozen=True)
class PlanRecipe:
    """What a run's plan is made from. A plan is a pure function of these, so it is made
    when the run is first folded or read, not when the run is added: replaying a long log,
    or loading a snapshot of one, plans only the runs someone looks at."""

    seed: int
    catalog: Catalog
    run_id: str
    snapshot: dict[str, Any]
    fail: bool | None = None

    def make(self) -> RunPlan:
        return make_plan(self.seed, self.run_id, self.snapshot, self.catalog, fail=self.fail)


@dataclass
class RunRecord:
    id: str
    workflow_id: str
    workspace_id: str
    run_number: int
    created_at: datetime
    triggered_by: dict[str, str]
    snapshot: dict[str, Any]
    planned: RunPlan | PlanRecipe  # the plan, or how to make it (see PlanRecipe)
    speed: float = 1.0
    controls: list[Control] = field(default_factory=list)
    stall_ms: int | None = None
    stall_pending: bool = False
    public_share_id: str | None = None
    shared_at: datetime | None = None
    # A billing record the run lost (runs/billing.py); only seeded runs ever lose one.
    billing_gap: str | None = None
    # The plan once made from its recipe (``planned`` keeps the recipe for snapshots).
    _plan: RunPlan | None = field(default=None, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        # A snapshot keeps a plan as its recipe (made again when read): plans are most of a
        # run's bytes, and unpickling one costs more than making it.
        return {**self.__dict__, "_plan": None}

    @property
    def plan(self) -> RunPlan:
        plan = self._plan
        if plan is None:
            planned = self.planned
            plan = self._plan = planned.make() if isinstance(planned, PlanRecipe) else planned
        return plan

    @plan.setter
    def plan(self, plan: RunPlan | PlanRecipe) -> None:
        self.planned, self._plan = plan, None

    def graph(self) -> GraphView:
        """The snapshot's graph, built once per snapshot object: a run's snapshot is never
        changed in place (kept in ``RUN_GRAPHS``)."""
        return RUN_GRAPHS.get_or_make(self.id, self.snapshot, lambda: graph_view(self.snapshot))

    def _settled_stamp(self, now: datetime) -> SettledStamp:
        return SettledStamp(self.plan, (self.created_at, tuple(self.controls), self.speed,
                                        self.stall_ms, self.stall_pending, self.billing_gap),
                            now)

    def timeline(self, now: datetime) -> Timeline:
        """The run's state at ``now`` (shared when settled: callers must not change it)."""
        stamp = self._settled_stamp(now)
        kept = SETTLED_RUNS.get(self.id, stamp)
        if kept is not None:
            return kept.timeline
        timeline = fold(self.plan, self.created_at, self.controls, now, speed=self.speed,
                        stall_ms=self.stall_ms, stall_pending=self.stall_pending)
        if timeline.terminal and all(control.at <= now for control in self.controls):
            SETTLED_RUNS.put(self.id, stamp, SettledRun(timeline))
        return timeline

    def progress(self, timeline: Timeline) -> Progress:
        """What the run has done by ``timeline`` (one ``self.timeline`` gave). A Progress
        reads only the plan and the timeline and keeps what it works out, so a settled
        run's is kept with its settled timeline and every later read reuses that work
        (shared: callers must not change what it returns)."""
        kept = SETTLED_RUNS.get(self.id, self._settled_stamp(_ANY_LATER))
        if kept is not None and kept.timeline is timeline and kept.progress is not None:
            return kept.progress
        progress = Progress(self.plan, timeline,
                            settlement_lost=self.billing_gap == SETTLEMENT_MISSING)
        if kept is not None and kept.timeline is timeline:
            kept.progress = progress
        return progress

    def settled(self, now: datetime) -> bool:
        """Whether the run's timeline can no longer change after ``now`` (unless it does)."""
        self.timeline(now)
        return SETTLED_RUNS.get(self.id, self._settled_stamp(now)) is not None


@dataclass(frozen=True, slots=True)
class SettledStamp:
    """What a settled run's derived state depends on: the plan (the object: a re-planned or
    rebuilt run's is another, and comparing two plans field by field costs more than a
    fold), the fold's other inputs (and the billing gap a Progress reads), and the first
    instant the run was found settled."""

    plan: RunPlan
    inputs: tuple[Any, ...]
    at: datetime


def _still_settled(kept: SettledStamp, asked: SettledStamp) -> bool:
    """Folding later gives the same timeline; a clock set back before the instant it
    settled, or any change of the inputs, means a fresh fold."""
    return kept.plan is asked.plan and kept.at <= asked.at and kept.inputs == asked.inputs


@dataclass(slots=True)
class SettledRun:
    """Everything worked out of one settled run, kept together under one bound: its
    timeline and the Progress read from it (which remembers each line's visible takes)."""

    timeline: Timeline
    progress: Progress | None = None


_ANY_LATER = datetime.max.replace(tzinfo=UTC)
# A workspace of a million runs read end to end would otherwise hold a timeline, a
# Progress and a graph per run it ever read: the least recently used lose them (and fold
# or build again when next read). Keyed by run id: equal stamps give equal answers, so two
# apps of one process reading the same seeded run may share them.
SETTLED_RUN_BOUND = 20_000
SETTLED_RUNS: StampedCache[str, SettledStamp, SettledRun] = StampedCache(
    "settled runs", SETTLED_RUN_BOUND, fits=_still_settled)
RUN_GRAPHS: StampedCache[str, dict[str, Any], GraphView] = StampedCache(
    "run graphs", SETTLED_RUN_BOUND, fits=operator.is_)


def run_id_for(seed: int, workflow_id: str, run_number: int) -> str:
    """Run ids follow (seed, workflow, number), so a replay makes the same ones."""
    return stable_uuid(seed, "run", f"{workflow_id}:{run_number}")


def plan_run(seed: int, catalog: Catalog, run_id: str, snapshot: dict[str, Any], *,
             fail: bool | None = None) -> PlanRecipe:
    """The run's plan, made when first needed; ``fail`` forces (True) or forbids (False)
    its seeded failure."""
    return PlanRecipe(seed, catalog, run_id, snapshot, fail)


def new_run(seed: int, catalog: Catalog, *, workflow_id: str, workspace_id: str,
            run_number: int, created_at: datetime, triggered_by: dict[str, str],
            snapshot: dict[str, Any], speed: float, fail: bool | None = None) -> RunRecord:
    """A new run of a workflow, planned from ``snapshot`` and ticking at ``speed``."""
    run_id = run_id_for(seed, workflow_id, run_number)
    return RunRecord(
        id=run_id, workflow_id=workflow_id, workspace_id=workspace_id, run_number=run_number,
        created_at=created_at, triggered_by=triggered_by, snapshot=snapshot,
        planned=plan_run(seed, catalog, run_id, snapshot, fail=fail), speed=speed,
    )
