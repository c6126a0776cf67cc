"""Where a run stands at an instant: a pure fold over its plan, controls and the clock.

Active run time ("run ms") advances only while the run is running, at
``speed`` run-ms per wall-ms. Pending lasts ``plan.queue_ms``; a pause requested
while running drains to the end of the current wave; a resume restarts the active
clock; a cancel ends everything at once. Seeded "live" runs may be *stalled*: their
active clock stopped at ``stall_ms`` (or, for pending ones, never started) until
someone pauses, resumes or cancels them, so seeded data never drifts with real time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .plan import RunPlan

TERMINAL = ("completed", "failed", "cancelled")
ACTIVE = ("pending", "running")


@dataclass(frozen=True)
class Control:
    kind: str  # pause | resume | cancel, and the admin "force" kinds: start | finish | fail
    at: datetime
    reason: str = "user"  # pause reason; for "fail", the error text
    immediate: bool = False  # pause: park now instead of draining the current wave


@dataclass(frozen=True)
class Segment:
    """A stretch of wall time during which the active clock ticked."""

    wall_start: datetime
    active_start: float
    active_end: float | None  # None = still ticking
    instant: bool = False  # the whole active range happened at wall_start (a drained stall)


@dataclass
class Timeline:
    status: str = "pending"
    active_ms: float = 0.0
    started_at: datetime | None = None
    completed_at: datetime | None = None
    pause_requested_at: datetime | None = None
    paused_at: datetime | None = None
    paused_ms: int = 0
    pause_reason: str | None = None
    paused_from_pending: bool = False
    cancelled_while_paused: bool = False
    error: str | None = None
    updated_at: datetime | None = None
    segments: list[Segment] = field(default_factory=list)
    speed: float = 1.0

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def wall_at(self, active_ms: float) -> datetime | None:
        """The wall instant the active clock reached ``active_ms`` (None: not yet)."""
        for seg in self.segments:
            end = seg.active_end if seg.active_end is not None else self.active_ms
            if seg.active_start <= active_ms <= end:
                if seg.instant:
                    return seg.wall_start
                return seg.wall_start + _wall(active_ms - seg.active_start, self.speed)
        return None


def _wall(active_ms: float, speed: float) -> timedelta:
    return timedelta(milliseconds=active_ms / speed)


class _Fold:
    def __init__(self, plan: RunPlan, created_at: datetime, speed: float,
                 stall_ms: int | None, stall_pending: bool) -> None:
        self.plan = plan
        self.t = Timeline(updated_at=created_at, speed=speed)
        self.speed = speed
        self.stall_ms = stall_ms
        self.start_due: datetime | None = (
            None if stall_pending else created_at + _wall(plan.queue_ms, speed)
        )
        self.drain_to: float | None = None
        self.ticking_since: datetime | None = None

    # natural progress between controls -------------------------------------

    def advance(self, until: datetime) -> None:
        t = self.t
        if t.status == "pending" and self.start_due is not None and self.start_due <= until:
            t.status, t.started_at = "running", self.start_due
            self._tick_from(self.start_due)
        if t.status == "running" and self.ticking_since is not None:
            self._run_until(until)

    def _tick_from(self, at: datetime) -> None:
        self.ticking_since = at
        self.t.segments.append(Segment(at, self.t.active_ms, None))
        self.t.updated_at = at

    def _stop_ticking(self, at: datetime) -> None:
        seg = self.t.segments[-1]
        self.t.segments[-1] = Segment(seg.wall_start, seg.active_start, self.t.active_ms)
        self.ticking_since = None
        self.t.updated_at = at

    def _run_until(self, until: datetime) -> None:
        assert self.ticking_since is not None
        seg = self.t.segments[-1]
        reachable = seg.active_start + (until - seg.wall_start).total_seconds() * 1000 * self.speed
        stops = [(float(self.plan.end_ms), "end")]
        if self.drain_to is not None:
            stops.append((self.drain_to, "drain"))
        if self.stall_ms is not None:
            stops.append((float(self.stall_ms), "stall"))
        # On a tie, finishing wins over parking: a pause during the last wave is moot.
        priority = {"end": 0, "drain": 1, "stall": 2}
        target, why = min(stops, key=lambda stop: (stop[0], priority[stop[1]]))
        if reachable < target:
            self.t.active_ms = reachable
            return
        self.t.active_ms = target
        at = seg.wall_start + _wall(target - seg.active_start, self.speed)
        self._stop_ticking(at)
        if why == "end":
            self.t.error = self.plan.error
            self._finish("failed" if self.plan.fails else "completed", at)
        elif why == "drain":
            self._park(at)
        # a stall just stops the active clock; the status stays "running"

    def _finish(self, status: str, at: datetime) -> None:
        t = self.t
        if t.status == "paused" and t.paused_at is not None:
            t.paused_ms += _ms(at - t.paused_at)
        t.status, t.completed_at, t.updated_at = status, at, at
        t.pause_requested_at = None if status != "cancelled" else t.pause_requested_at
        self.drain_to = None

    def _park(self, at: datetime) -> None:
        t = self.t
        t.status, t.paused_at, t.updated_at = "paused", at, at
        self.drain_to = None

    # controls -------------------------------------------------------------

    def apply(self, control: Control) -> None:
        handler = {"pause": self._pause, "resume": self._resume, "cancel": self._cancel,
                   "start": self._start, "finish": self._force_finish, "fail": self._force_fail}
        handler[control.kind](control)

    def _pause(self, control: Control) -> None:
        t = self.t
        if t.status == "pending":
            t.paused_from_pending = True
            t.pause_reason = control.reason
            self._park(control.at)
        elif t.status == "running" and t.pause_requested_at is None:
            t.pause_requested_at, t.pause_reason = control.at, control.reason
            t.updated_at = control.at
            if self.ticking_since is None or control.immediate:
                # Stalled (or forced): the wave in flight is deemed drained right now.
                if self.ticking_since is not None:
                    self._stop_ticking(control.at)
                self._jump_to(float(self.plan.wave_end_after(t.active_ms)), control.at)
                self._park(control.at)
            else:
                self.drain_to = float(self.plan.wave_end_after(t.active_ms))

    def _resume(self, control: Control) -> None:
        t = self.t
        if t.status != "paused" or t.paused_at is None:
            return
        t.paused_ms += _ms(control.at - t.paused_at)
        t.status, t.paused_at, t.pause_requested_at, t.pause_reason = "running", None, None, None
        if t.started_at is None:
            t.started_at = control.at
        self.stall_ms = None
        self._tick_from(control.at)

    def _jump_to(self, active_ms: float, at: datetime) -> None:
        """Move the active clock forward at a single wall instant."""
        self.t.segments.append(Segment(at, self.t.active_ms, active_ms, instant=True))
        self.t.active_ms = active_ms
        self.stall_ms = None

    def _start(self, control: Control) -> None:
        t = self.t
        if t.status == "pending":
            t.status, t.started_at = "running", control.at
            self.start_due = control.at
            self._tick_from(control.at)
        elif t.status == "paused":
            self._resume(control)
        self.stall_ms = None

    def _force_finish(self, control: Control) -> None:
        if self.t.terminal:
            return
        if self.ticking_since is not None:
            self._stop_ticking(control.at)
        if self.t.started_at is None:
            self.t.started_at = control.at
        self._jump_to(float(self.plan.end_ms), control.at)
        self._finish("completed", control.at)

    def _force_fail(self, control: Control) -> None:
        if self.t.terminal:
            return
        if self.ticking_since is not None:
            self._stop_ticking(control.at)
        self.t.error = control.reason
        self._finish("failed", control.at)

    def _cancel(self, control: Control) -> None:
        if self.t.terminal:
            return
        self.t.cancelled_while_paused = self.t.status == "paused"
        if self.ticking_since is not None:
            self._stop_ticking(control.at)
        self._finish("cancelled", control.at)


def _ms(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1000)


def fold(plan: RunPlan, created_at: datetime, controls: list[Control], now: datetime, *,
         speed: float = 1.0, stall_ms: int | None = None, stall_pending: bool = False) -> Timeline:
    """The run's timeline as seen at ``now``. Controls after ``now`` are ignored."""
    state = _Fold(plan, created_at, speed, stall_ms, stall_pending)
    for control in sorted(controls, key=lambda c: c.at):
        if control.at > now:
            break
        state.advance(control.at)
        state.apply(control)
    state.advance(now)
    return state.t
