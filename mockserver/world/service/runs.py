"""Run commands: start, cancel, pause, resume."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

from ...errors import ApiError, Conflict, Detail, PaymentRequired, ValidationFailed
from ...validation_messages import value_error
from ..catalog.graph_rules import run_start_problems
from ..runs.lifecycle import ACTIVE, Timeline
from ..runs.plan import output_locales, source_language_of
from ..runs.record import RunRecord, run_id_for
from ..runs.text import script_lines
from ..state.ledger import read_ledger
from ..state.records import WorkflowRecord
from ..state.store import WorkspaceState
from .appliers.runs import RunControl, RunControlled, RunStarted
from .engine import StateEngine
from .run_costs import estimate_or_422, priced_definition, with_uploaded_script

# Script lines times output languages one run may plan (a few seconds of planning at most).
MAX_PLANNED_LINES = 2000


def check_capacity(state: WorkspaceState, workflow_id: str, now: datetime,
                   exclude: str | None = None) -> None:
    """409 while another run of this workflow is active or the workspace is at its limit."""
    active = [r for r in state.runs.may_be_active(now)
              if r.id != exclude and r.timeline(now).status in ACTIVE]
    if any(r.workflow_id == workflow_id for r in active):
        raise Conflict("Another run of this workflow is still active")
    if len(active) >= state.info.concurrent_run_limit:
        raise Conflict(f"The workspace is at its limit of {state.info.concurrent_run_limit} "
                       "concurrent runs")


def _snapshot(engine: StateEngine, state: WorkspaceState, workflow: WorkflowRecord,
              overrides: dict[str, Any]) -> dict[str, Any]:
    catalog = engine.world.catalog
    problems = run_start_problems(workflow.definition, catalog)
    if problems:
        raise ValidationFailed("The workflow cannot run",
                               [Detail(p.field, value_error(p.message)) for p in problems])
    saved = with_uploaded_script(workflow.definition, state)
    definition, script = priced_definition(saved, overrides)
    _check_plan_size(definition, overridden=script is not None)
    return copy.deepcopy(definition) if definition is workflow.definition else definition


def _check_plan_size(definition: dict[str, Any], overridden: bool) -> None:
    """A run plans every take of every line in every locale up front: bound it, so one long
    script cannot stall the workspace (or every process applying the event)."""
    pairs = len(script_lines(definition)) * len(
        output_locales(definition, source_language_of(definition)))
    if pairs > MAX_PLANNED_LINES:
        where = "script_text" if overridden else "definition"
        raise ValidationFailed("The script is too long for one run of the mock", [Detail(
            where, f"{pairs} lines across all output languages; the mock runs at most "
                   f"{MAX_PLANNED_LINES} per run")])


def _check_credits(engine: StateEngine, state: WorkspaceState, snapshot: dict[str, Any],
                   now: datetime) -> None:
    """402 when the workspace's balance now (its ledger) is below the run's minimum cost."""
    ledger = read_ledger(state, now)
    estimate = estimate_or_422(engine.world.catalog, snapshot, None, ledger.balance, "voice",
                               ledger.plan.overage_rate_cents_per_credit)
    if not estimate["can_run"]:
        raise PaymentRequired("Not enough credits to start this run",
                              extra={"min_credits": estimate["min_credits"],
                                     "current_balance": estimate["current_balance"]})


def start_run(engine: StateEngine, workspace_id: str, workflow_id: str,
              triggered_by: dict[str, str], overrides: dict[str, Any], now: datetime
              ) -> tuple[WorkspaceState, RunRecord]:
    """Start a run of the workflow's current definition, if credits and capacity allow."""
    run_id = ""

    def decide() -> RunStarted:
        nonlocal run_id
        state = engine.world.workspace(workspace_id)
        workflow = state.workflow(workflow_id)
        snapshot = _snapshot(engine, state, workflow, overrides)
        at = engine.instant(now)
        _check_credits(engine, state, snapshot, at)
        check_capacity(state, workflow.id, at)
        number = max((r.run_number for r in state.runs_of(workflow.id)), default=0) + 1
        run_id = run_id_for(engine.world.settings.seed, workflow.id, number)
        return RunStarted(workspace=workspace_id, workflow=workflow.id, id=run_id,
                          number=number, at=at, triggered_by=triggered_by, snapshot=snapshot,
                          speed=engine.world.settings.run_speed)

    def read() -> tuple[WorkspaceState, RunRecord]:
        state = engine.world.workspace(workspace_id)
        return state, state.runs[run_id]

    return engine.execute_then(decide, read)


def runnable_workflows(engine: StateEngine, workspace_id: str, now: datetime) -> list[str]:
    """Ids of the workflows a start would accept now (graph, plan size, credits, capacity),
    in the workspace's order: the same checks ``start_run`` makes, without starting."""
    engine.sync()
    now = engine.instant(now)
    state = engine.world.workspace(workspace_id)
    runnable = []
    for workflow in state.live_workflows():
        try:
            snapshot = _snapshot(engine, state, workflow, {})
            _check_credits(engine, state, snapshot, now)
            check_capacity(state, workflow.id, now)
        except ApiError:
            continue
        runnable.append(workflow.id)
    return runnable


# (workspace, run, the instant the command decides at, the run's timeline then)
RunCheck = Callable[[WorkspaceState, RunRecord, datetime, Timeline], bool]
RunCommand = Callable[["StateEngine", str, str, str, datetime],
                      tuple[WorkspaceState, RunRecord]]


def _control(engine: StateEngine, workspace_id: str, workflow_id: str, run_id: str,
             now: datetime, kind: str, wanted: RunCheck) -> tuple[WorkspaceState, RunRecord]:
    """Append control ``kind`` if ``wanted`` says so (it raises for a refused control)."""

    def decide() -> RunControlled | None:
        state = engine.world.workspace(workspace_id)
        run = state.run(workflow_id, run_id)
        at = engine.instant(now)
        if not wanted(state, run, at, run.timeline(at)):
            return None
        return RunControlled(workspace=workspace_id, workflow=run.workflow_id, run=run.id,
                             control=RunControl(kind=kind, at=at))

    def read() -> tuple[WorkspaceState, RunRecord]:
        state = engine.world.workspace(workspace_id)
        return state, state.run(workflow_id, run_id)

    return engine.execute_then(decide, read)


def cancel_run(engine: StateEngine, workspace_id: str, workflow_id: str, run_id: str,
               now: datetime) -> tuple[WorkspaceState, RunRecord]:
    # Idempotent: a finished run comes back unchanged.
    return _control(engine, workspace_id, workflow_id, run_id, now, "cancel",
                    lambda state, run, at, timeline: not timeline.terminal)


def pause_run(engine: StateEngine, workspace_id: str, workflow_id: str, run_id: str,
              now: datetime) -> tuple[WorkspaceState, RunRecord]:
    def wanted(state: WorkspaceState, run: RunRecord, at: datetime, timeline: Timeline
               ) -> bool:
        if timeline.terminal:
            raise Conflict(f"The run is {timeline.status} and cannot be paused")
        return timeline.status in ACTIVE and timeline.pause_requested_at is None

    return _control(engine, workspace_id, workflow_id, run_id, now, "pause", wanted)


def resume_run(engine: StateEngine, workspace_id: str, workflow_id: str, run_id: str,
               now: datetime) -> tuple[WorkspaceState, RunRecord]:
    def wanted(state: WorkspaceState, run: RunRecord, at: datetime, timeline: Timeline
               ) -> bool:
        if timeline.status != "paused":
            raise Conflict(f"Only paused runs can be resumed; this run is {timeline.status}")
        check_capacity(state, run.workflow_id, at, exclude=run.id)
        return True

    return _control(engine, workspace_id, workflow_id, run_id, now, "resume", wanted)
