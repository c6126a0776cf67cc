"""``WorkspaceState.runs``: the runs of a workspace by id, also indexed by workflow.

Reads ask for one workflow's runs far more often than for all of them (every list row, every
workflow, every runs page), so scanning the whole workspace each time made a request cost
time proportional to the workspace's total runs. The index is kept where runs are added —
through this mapping, which is the only way records get in — so nothing can forget it.

It also holds one derived value per workflow (the list aggregates), owned by the views:
the table only stamps it with the workflow's *version*, bumped whenever one of its runs is
added, replaced or changed in place (appliers call ``changed``), so a stale value is never
served.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..runs.record import RunRecord


class RunTable(dict[str, RunRecord]):
    def __init__(self) -> None:
        super().__init__()
        self._by_workflow: dict[str, dict[str, RunRecord]] = {}
        self._ordered: dict[str, list[RunRecord]] = {}
        self._versions: dict[str, int] = {}
        self._derived: dict[str, tuple[int, Any]] = {}

    def __setitem__(self, run_id: str, run: RunRecord) -> None:
        previous = self.get(run_id)
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
        self._by_workflow.clear()
        self._ordered.clear()
        self._derived.clear()
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
        ordered = self._ordered.get(workflow_id)
        if ordered is None:
            runs = self._by_workflow.get(workflow_id, {}).values()
            ordered = sorted(runs, key=lambda r: (r.run_number, r.id))
            self._ordered[workflow_id] = ordered
        return list(ordered)

    def changed(self, workflow_id: str) -> None:
        """One of the workflow's runs was added, replaced or changed: drop what was derived."""
        self._versions[workflow_id] = self._versions.get(workflow_id, 0) + 1
        self._ordered.pop(workflow_id, None)
        self._derived.pop(workflow_id, None)

    def changed_all(self, workflow_ids: Iterable[str] | None = None) -> None:
        for workflow_id in list(workflow_ids if workflow_ids is not None else self._versions):
            self.changed(workflow_id)

    def version(self, workflow_id: str) -> int:
        return self._versions.get(workflow_id, 0)

    def derived(self, workflow_id: str) -> Any | None:
        """The value last stored for the workflow, if none of its runs changed since."""
        entry = self._derived.get(workflow_id)
        if entry is None or entry[0] != self.version(workflow_id):
            return None
        return entry[1]

    def keep_derived(self, workflow_id: str, value: Any) -> None:
        self._derived[workflow_id] = (self.version(workflow_id), value)
