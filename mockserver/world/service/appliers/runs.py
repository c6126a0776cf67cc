"""Events of runs: started, controlled (pause, resume, cancel, and the control API's forced
statuses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from ...events.typed import INSTANT, OPTIONAL, EventData, EventPart, part
from ...runs.lifecycle import Control
from ...runs.record import new_run, plan_run
from ...state.store import World
from .base import Kind


@dataclass(frozen=True, slots=True, kw_only=True)
class RunStarted(EventData):
    """A run of the definition ``snapshot`` (decided at the start: overrides, the script),
    going at ``speed``."""

    KIND: ClassVar[str] = "run.started"
    workspace: str
    workflow: str
    id: str
    number: int
    at: datetime = field(metadata=INSTANT)
    triggered_by: dict[str, str]
    snapshot: dict[str, Any]
    speed: float


@dataclass(frozen=True, slots=True, kw_only=True)
class RunControl(EventPart):
    """One control of a run's lifecycle (``runs.lifecycle.Control``)."""

    kind: str
    at: datetime = field(metadata=INSTANT)
    reason: str | None = field(default=None, metadata=OPTIONAL)  # None: "user"
    immediate: bool = field(default=False, metadata=OPTIONAL)


@dataclass(frozen=True, slots=True, kw_only=True)
class RunControlled(EventData):
    """A control appended to a run. ``workflow`` is absent from events written before runs
    were built lazily; ``replan_without_failure`` (a run forced to complete whose plan
    fails) only the control API writes."""

    KIND: ClassVar[str] = "run.controlled"
    workspace: str
    workflow: str | None = field(default=None, metadata=OPTIONAL)
    run: str
    control: RunControl = field(metadata=part(RunControl))
    replan_without_failure: bool | None = field(default=None, metadata=OPTIONAL)

    def instant(self) -> datetime | None:
        return self.control.at


def _started(world: World, event: RunStarted) -> None:
    state = world.workspace(event.workspace)
    with state.writing():
        run = new_run(world.settings.seed, world.catalog, workflow_id=event.workflow,
                      workspace_id=state.info.id, run_number=int(event.number),
                      created_at=event.at, triggered_by=dict(event.triggered_by),
                      snapshot=event.snapshot, speed=float(event.speed))
        state.runs[run.id] = run
        state.ledger.bill(run.workflow_id, run.id)


def _controlled(world: World, event: RunControlled) -> None:
    state = world.workspace(event.workspace)
    with state.writing():
        # Events from before runs were built lazily name no workflow: find the run by id.
        run = (state.runs.find(event.workflow, event.run) if event.workflow
               else None) or state.runs[event.run]
        if event.replan_without_failure:
            run.plan = plan_run(world.settings.seed, world.catalog, run.id, run.snapshot,
                                fail=False)
        control = event.control
        reason = "user" if control.reason is None else control.reason
        run.controls.append(Control(control.kind, control.at, reason=reason,
                                    immediate=control.immediate))
        # A seeded run a control brings back to life settles now: it bills the account.
        state.ledger.bill(run.workflow_id, run.id)
        state.runs.changed(run.workflow_id)


KINDS: tuple[Kind[Any], ...] = (
    Kind(RunStarted, _started),
    Kind(RunControlled, _controlled),
)
