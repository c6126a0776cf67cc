"""Commands of the control API: reset, clock, fixtures, workspaces, forced runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ...clock import rewind_message
from ...envelope import iso
from ...errors import (
    Conflict,
    Detail,
    FixtureError,
    NotFound,
    ValidationFailed,
)
from ..runs.record import RunRecord
from ..state.plans import PLANS
from ..state.store import WorkspaceState
from .appliers.control import ClockSet, FaultsSet, FixturesLoaded, Reset, startup_fixtures
from .appliers.runs import RunControl, RunControlled
from .appliers.workspaces import WorkspaceCreated
from .engine import StateEngine
from .workspace_records import next_workspace_number, runtime_workspace

DEFAULT_FAILURE = "Run failed (forced through the mock's control API)"


def reset(engine: StateEngine, workspace_id: str | None = None) -> None:
    """Forget changes (all, or one workspace's); a full reset also tells whoever asked
    (``StateEngine.on_full_reset``: the app empties its request journal)."""
    if workspace_id is not None and not engine.world.known_workspace(workspace_id):
        raise NotFound("Unknown workspace")
    engine.execute(lambda: Reset(workspace=workspace_id))
    if workspace_id is None:
        for listener in engine.on_full_reset:
            listener()


def set_clock(engine: StateEngine, *, frozen_at: datetime | None = None,
              advance_seconds: float | None = None, real_time: bool = False) -> None:
    """Freeze, advance or release the clock; every process reads the resulting state."""

    def decide() -> ClockSet:
        clock = engine.world.clock
        frozen, offset = clock.state()
        if real_time:  # from the current instant on, never back to an earlier one
            frozen, offset = None, clock.real_time_from_here()
        elif frozen_at is not None:
            frozen = frozen_at.astimezone(UTC)
            _refuse_rewind(clock.floor, frozen)
        elif advance_seconds is not None:
            if frozen is not None:
                frozen = clock.shifted(frozen, advance_seconds)
            else:
                offset += advance_seconds
        return ClockSet(frozen_at=frozen, offset_seconds=offset)

    engine.execute(decide)


def _refuse_rewind(latest: datetime | None, instant: datetime) -> None:
    if latest is not None and instant < latest:
        raise Conflict(rewind_message(instant, latest) + "; reset the state first "
                       "(POST /__mock/reset, or freeze_at with \"reset\": true)",
                       [Detail("freeze_at", f"must not be before {iso(latest)}")],
                       extra={"latest_change_at": iso(latest)})


def set_faults(engine: StateEngine, changes: dict[str, Any]) -> None:
    """Change fault injection for every process that shares the log (already validated)."""
    engine.execute(lambda: FaultsSet(changes=changes))


def load_fixtures(engine: StateEngine, text: str, source: str) -> dict[str, int]:
    """Check a fixture document against the current records, then add it."""
    counts: dict[str, int] = {}

    def decide() -> FixturesLoaded:
        try:
            extra = engine.world.parse_fixtures(text, source)
        except FixtureError as exc:
            raise ValidationFailed("The fixtures are invalid",
                                   [Detail("body", problem) for problem in exc.problems]
                                   ) from exc
        counts.update(workspaces=len(extra.workspaces), users=len(extra.users),
                      api_keys=len(extra.api_keys), workflows=len(extra.workflows),
                      uploads=len(extra.uploads))
        return FixturesLoaded(text=text, source=source)

    engine.execute(decide)
    return counts


def replace_fixtures(engine: StateEngine, text: str, source: str) -> dict[str, int]:
    """Make ``text`` the startup fixtures (``serve --watch`` after an edit): every process
    returns to the state a restart on it would give; the journal and coverage stay.

    Raises ``FixtureError`` (problems as ``file:line: field: message``) and changes
    nothing when the document is invalid."""
    counts: dict[str, int] = {}

    def decide() -> FixturesLoaded:
        fixtures = startup_fixtures(engine.world, text, source)
        counts.update(workspaces=len(fixtures.workspaces), users=len(fixtures.users),
                      api_keys=len(fixtures.api_keys), workflows=len(fixtures.workflows))
        return FixturesLoaded(text=text, source=source, replace=True)

    engine.execute(decide)
    return counts


def create_workspace(engine: StateEngine, options: dict[str, Any]) -> dict[str, Any]:
    """A throwaway workspace, numbered after the ones created before it."""
    number = 0

    def decide() -> WorkspaceCreated:
        nonlocal number
        number = next_workspace_number(engine.world)
        if options.get("plan") is not None and options["plan"] not in PLANS:
            raise ValidationFailed("Unknown plan",
                                   [Detail("body.plan", f"must be one of {list(PLANS)}", "enum")])
        return WorkspaceCreated(number=number, options=options)

    engine.execute(decide)
    _fixtures, reply = runtime_workspace(engine.world, number, options)
    return reply


def force_run(engine: StateEngine, run_id: str, body: dict[str, Any], now: datetime
              ) -> tuple[WorkspaceState, RunRecord]:
    """Drive a run to ``body["status"]`` right now (for tests of rare paths)."""
    target = body["status"]

    def decide() -> RunControlled | None:
        state, run = _find_run(engine, run_id)
        at = engine.instant(now)
        current = run.timeline(at)
        if current.status == target:
            return None
        if current.terminal or target == "pending":
            raise Conflict(f"A {current.status} run cannot be forced to {target}")
        return RunControlled(workspace=state.info.id, workflow=run.workflow_id, run=run.id,
                             control=_control_for(body, at),
                             replan_without_failure=target == "completed" and run.plan.fails)

    return engine.execute_then(decide, lambda: _find_run(engine, run_id))


def _find_run(engine: StateEngine, run_id: str) -> tuple[WorkspaceState, RunRecord]:
    found = engine.world.find_run(run_id)
    if found is None:
        raise NotFound("Run not found")
    return found


def _control_for(body: dict[str, Any], at: datetime) -> RunControl:
    target = body["status"]
    if target == "completed":
        return RunControl(kind="finish", at=at)
    if target == "failed":
        return RunControl(kind="fail", at=at, reason=str(body.get("error") or DEFAULT_FAILURE))
    if target == "paused":
        return RunControl(kind="pause", at=at,
                          reason=str(body.get("pause_reason") or "user"), immediate=True)
    if target == "running":
        return RunControl(kind="start", at=at)
    return RunControl(kind="cancel", at=at)
