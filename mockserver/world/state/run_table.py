"""``WorkspaceState.runs``: the runs of a workspace by id, also indexed by workflow.

Reads ask for one workflow's runs far more often than for all of them (every list row, every
workflow, every runs page), so scanning the whole workspace each time made a request cost
time proportional to the workspace's total runs. The index is kept where runs are added —
through this mapping, which is the only way records get in — so nothing can forget it.

Each workflow has a *version*, bumped whenever one of its runs is added, replaced or
changed in place (appliers call ``changed``): what reads derive from its runs is kept
against it (``state/derived.py``), so a stale value is never served.

Seeded runs are built on first read. The generator registers each workflow's runs as
``SeededRuns``: what the seed says about them (count, statuses, the latest) and how to build
them. A workflow's runs are built when anything asks for them (``of_workflow``, ``find``, or
adding a run to it); a look-up by run id alone, or iterating the table, builds every workflow
first, so a caller that does not know the workflow still sees every run.

Built runs that are still exactly what the seed made are let go again, least recently
read first, past ``PRISTINE_RUN_BOUND`` runs, and built anew (the same runs) when next
read: so a workflow's runs stop being pristine at their first ``changed``, and an applier
that changes a run in place must call it (it already must, for the version above).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from ..runs.record import RunRecord
from .lazy_table import LazyTable

# An upper bound on the run time (queue, steps, a pause's drain) any *seeded* run needs to
# reach the status the generator gave it; seeded plans take at most about 80 s (checked over
# many seeds by tests/unit/test_lazy_dataset.py). Past latest run + this / speed, the
# statuses the seed decided are the statuses a fold would find.
SEEDED_RUN_BOUND = timedelta(hours=1)
# Built runs nothing changed since the seed made them, kept per workspace: past this, the
# least recently read workflows' runs are let go (a plan weighs about 30 KB; reading a
# huge workspace end to end would otherwise keep every run it ever built).
PRISTINE_RUN_BOUND = 20_000


@dataclass
class SeededRuns:
    """One generated workflow's runs as the seed decided them, before any is built."""

    count: int
    statuses: dict[str, int]  # status each run ends up in -> how many
    latest_at: datetime | None  # created_at of the latest run
    latest_status: str | None
    speed: float
    build: Callable[[], list[RunRecord]] = field(repr=False)

    @property
    def active(self) -> bool:
        """Whether one of them stays pending or running (stalled) once settled."""
        return bool(self.statuses.get("pending") or self.statuses.get("running"))

    def decided_at(self, now: datetime) -> bool:
        """Whether, at ``now``, every run is in the status the seed decided for it.

        Before that (a clock set back before the dataset, or a very slow --run-speed) the
        runs must be built and folded.
        """
        return self.decided_from is None or now >= self.decided_from

    @cached_property
    def decided_from(self) -> datetime | None:
        return None if self.latest_at is None else self.latest_at + SEEDED_RUN_BOUND / self.speed


class RunTable(LazyTable[RunRecord]):
    def __init__(self, lock: threading.RLock | None = None) -> None:
        super().__init__()
        self._by_workflow: dict[str, dict[str, RunRecord]] = {}
        self._ordered: dict[str, list[RunRecord]] = {}
        self._versions: dict[str, int] = {}
        self._seeded: dict[str, SeededRuns] = {}  # workflows whose runs are not built yet
        # Built workflows whose runs are still exactly what the seed made, least recently
        # read first, and how many runs they hold: past PRISTINE_RUN_BOUND the oldest go
        # back to their seed's account (built again, the same, when next read).
        self._pristine: OrderedDict[str, SeededRuns] = OrderedDict()
        self._pristine_runs = 0
        self._walking = False  # building every workflow: nothing goes back meanwhile
        self._lock = lock or threading.RLock()
        self.total_version = 0  # moves with any workflow's version

    # -- seeded runs, built on first read ----------------------------------------------------

    def add_seeded(self, workflow_id: str, seeded: SeededRuns) -> None:
        self._seeded[workflow_id] = seeded

    def seeded(self, workflow_id: str) -> SeededRuns | None:
        """The seed's account of the workflow's runs while none is built (else None)."""
        return self._seeded.get(workflow_id)

    def pending_seeded(self) -> dict[str, SeededRuns]:
        return dict(self._seeded)

    def _pending(self) -> dict[str, SeededRuns]:
        return self._seeded

    def build(self, workflow_id: str) -> None:
        if workflow_id not in self._seeded:
            if workflow_id in self._pristine:
                self._pristine.move_to_end(workflow_id)  # read again: kept longest
            return
        with self._lock:
            seeded = self._seeded.pop(workflow_id, None)
            if seeded is None:
                return
            for run in seeded.build():
                self[run.id] = run
            self._pristine[workflow_id] = seeded
            self._pristine_runs += seeded.count
            if not self._walking:
                self._let_go_of_oldest()

    def build_all(self) -> None:
        with self._walk():
            super().build_all()

    @contextmanager
    def _walk(self) -> Iterator[None]:
        """While a caller needs many workflows built at once, none is let go."""
        walking, self._walking = self._walking, True
        try:
            yield
        finally:
            self._walking = walking

    def _let_go_of_oldest(self) -> None:
        """Return the least recently read pristine workflows to their seed's account while
        they hold more than PRISTINE_RUN_BOUND runs (the newest always stays built)."""
        while self._pristine_runs > PRISTINE_RUN_BOUND and len(self._pristine) > 1:
            workflow_id, seeded = self._pristine.popitem(last=False)
            self._pristine_runs -= seeded.count
            for run_id in self._by_workflow.pop(workflow_id, {}):
                dict.__delitem__(self, run_id)
            self._seeded[workflow_id] = seeded
            self.changed(workflow_id)

    def count_of(self, workflow_id: str) -> int:
        """How many runs the workflow has, without building them."""
        seeded = self._seeded.get(workflow_id)
        if seeded is not None:
            return seeded.count
        return len(self._by_workflow.get(workflow_id, {}))

    def find(self, workflow_id: str, run_id: str) -> RunRecord | None:
        """A run of a known workflow: builds only that workflow's runs."""
        self.build(workflow_id)
        run = dict.get(self, run_id)
        if run is None and self._seeded:
            run = self.get(run_id)  # a run pinned under another workflow's id
        return run

    def may_be_active(self, now: datetime) -> list[RunRecord]:
        """Every run that could be pending or running at ``now``: the built ones, and the
        seeded ones of workflows whose seed leaves a run active or is not decided yet."""
        with self._walk():
            for workflow_id, seeded in list(self._seeded.items()):
                if seeded.active or not seeded.decided_at(now):
                    self.build(workflow_id)
            return list(dict.values(self))

    # -- the index -----------------------------------------------------------------------------

    def __setitem__(self, run_id: str, run: RunRecord) -> None:
        # The workflow's seeded runs come first, as they would have in a workspace built whole.
        self.build(run.workflow_id)
        previous = dict.get(self, run_id)
        if previous is not None:
            self._unindex(previous)
        super().__setitem__(run_id, run)
        self._by_workflow.setdefault(run.workflow_id, {})[run_id] = run
        self.changed(run.workflow_id)

    def __delitem__(self, run_id: str) -> None:
        run = self[run_id]
        super().__delitem__(run_id)
        self._unindex(run)

    def pop(self, run_id: str, *default: Any) -> Any:
        if run_id in self:
            run = self[run_id]
            del self[run_id]
            return run
        if default:
            return default[0]
        raise KeyError(run_id)

    def clear(self) -> None:
        super().clear()
        self._seeded.clear()
        self._by_workflow.clear()
        self._ordered.clear()
        self._pristine.clear()
        self._pristine_runs = 0
        for workflow_id in self._versions:
            self._versions[workflow_id] += 1

    def update(self, *args: Any, **kwargs: Any) -> None:
        for run_id, run in dict(*args, **kwargs).items():
            self[run_id] = run

    def setdefault(self, run_id: str, run: RunRecord) -> RunRecord:
        if run_id not in self:
            self[run_id] = run
        return self[run_id]

    def _unindex(self, run: RunRecord) -> None:
        self._by_workflow.get(run.workflow_id, {}).pop(run.id, None)
        self.changed(run.workflow_id)

    def of_workflow(self, workflow_id: str) -> list[RunRecord]:
        """One workflow's runs, oldest first (a fresh list: callers may keep or change it)."""
        self.build(workflow_id)
        ordered = self._ordered.get(workflow_id)
        if ordered is None:
            runs = self._by_workflow.get(workflow_id, {}).values()
            ordered = sorted(runs, key=lambda r: (r.run_number, r.id))
            self._ordered[workflow_id] = ordered
        return list(ordered)

    def changed(self, workflow_id: str) -> None:
        """One of the workflow's runs was added, replaced or changed: what was derived from
        them no longer holds, and they are no longer only what the seed made."""
        seeded = self._pristine.pop(workflow_id, None)
        if seeded is not None:
            self._pristine_runs -= seeded.count
        self._versions[workflow_id] = self._versions.get(workflow_id, 0) + 1
        self.total_version += 1
        self._ordered.pop(workflow_id, None)

    def changed_all(self, workflow_ids: Iterable[str] | None = None) -> None:
        for workflow_id in list(workflow_ids if workflow_ids is not None else self._versions):
            self.changed(workflow_id)

    def version(self, workflow_id: str) -> int:
        return self._versions.get(workflow_id, 0)
