"""What a run has done so far: its plan read at the timeline's active time.

Every run view (status counters, steps, overview, data, outputs, analysis) reads
this one object, so they can never disagree with each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from .lifecycle import Timeline
from .plan import LineLocale, PlannedStep, RunPlan, Take, Verdict
from .pricing import settled_credits


@dataclass(frozen=True)
class StepState:
    step: PlannedStep
    status: str  # running | completed | failed | cancelled
    started_at: datetime | None
    completed_at: datetime | None
    pause_reason: str | None = None  # set on a step an automatic pause cut off


@dataclass(frozen=True)
class TakeState:
    take: Take
    validated: bool  # every verdict recorded so far is visible
    verdicts: tuple[Verdict, ...]


class Progress:
    def __init__(self, plan: RunPlan, timeline: Timeline, *,
                 settlement_lost: bool = False) -> None:
        self.plan = plan
        self.timeline = timeline
        # The run spent credits but its settlement record is gone (runs/billing.py).
        self.settlement_lost = settlement_lost
        self.active_ms = timeline.active_ms
        # Line-locale -> its visible takes: a settled run's Progress is kept across reads
        # (RunRecord.progress), so this work is done once per run, not once per request.
        self._visible: dict[tuple[int, str], list[TakeState]] = {}

    def _done(self, step: PlannedStep) -> bool:
        return step.end_ms <= self.active_ms

    @cached_property
    def steps(self) -> list[StepState]:
        """Step rows that exist now (started steps), in execution order."""
        rows = []
        for step in self.plan.steps:
            if step.start_ms == self.active_ms and self._cut_off_by_pause(step):
                at = self.timeline.paused_at
                rows.append(StepState(step, "cancelled", at, at, self.timeline.pause_reason))
                continue
            if step.start_ms > self.active_ms or (
                step.start_ms == self.active_ms and not self._done(step)
                and self.timeline.status != "running"
            ):
                continue
            started = self.timeline.wall_at(step.start_ms)
            if self._done(step):
                status = "failed" if step.failed else "completed"
                rows.append(StepState(step, status, started, self.timeline.wall_at(step.end_ms)))
            else:
                interrupted = self.timeline.terminal
                status = ("failed" if self.timeline.status == "failed" else "cancelled") \
                    if interrupted else "running"
                ended = self.timeline.completed_at if interrupted else None
                rows.append(StepState(step, status, started, ended))
        return rows

    def _cut_off_by_pause(self, step: PlannedStep) -> bool:
        """An automatic pause (not a manual one) interrupts the steps it found starting.

        They show as ``cancelled`` with the step-level pause reason and reopen in place
        (same step id) on resume (runs.md, automatic pauses).
        """
        t = self.timeline
        return (t.status == "paused" and t.pause_reason not in (None, "user")
                and not t.paused_from_pending and not self._done(step))

    @property
    def total_steps(self) -> int:
        return len(self.steps) if self.timeline.terminal else len(self.plan.steps)

    @property
    def finished_steps(self) -> int:
        return sum(1 for s in self.steps if s.status != "running")

    @cached_property
    def node_ids(self) -> list[str]:
        seen: dict[str, None] = {}
        for step in self.plan.steps:
            seen.setdefault(step.node_id)
        return list(seen)

    def finished_nodes(self) -> int:
        latest: dict[str, StepState] = {}
        for state in self.steps:
            latest[state.step.node_id] = state
        return sum(1 for s in latest.values() if s.status in ("completed", "failed"))

    @property
    def token_cost(self) -> int:
        return sum(s.step.units for s in self.steps if s.status == "completed")

    def fractional_credits(self) -> float:
        """What the completed steps spent, each priced by its node's catalog band."""
        return sum(s.step.credits for s in self.steps if s.status == "completed")

    def settled_credits(self) -> int | None:
        """Credits once the run is terminal: floored, with a 1-credit per-run minimum."""
        if not self.timeline.terminal:
            return None
        if self.settlement_missing:
            return None
        spent = settled_credits(self.fractional_credits())
        # Credits are held at the estimate's maximum when a run starts: it never settles
        # more, even where retries re-ran nodes the estimate prices once.
        ceiling = self.plan.max_credits
        return spent if ceiling is None else min(spent, ceiling)

    @property
    def settlement_missing(self) -> bool:
        """A finished run that spent credits but whose settlement record was lost."""
        return self.settlement_lost and self.timeline.terminal and self.token_cost > 0

    def credits_absorbed(self) -> float:
        if not self.timeline.terminal or self.settlement_missing:
            return 0.0
        spent = self.fractional_credits()
        return round(spent - int(spent), 4) if spent >= 1 else 0.0

    def visible_takes(self, line: LineLocale) -> list[TakeState]:
        """Takes generated so far, with only the verdicts already recorded (shared: callers
        must not change the list)."""
        key = (line.line_index, line.locale)
        found = self._visible.get(key)
        if found is None:
            found = self._visible[key] = self._find_visible_takes(line)
        return found

    def _find_visible_takes(self, line: LineLocale) -> list[TakeState]:
        states = []
        for take in line.takes:
            if take.generated_by >= len(self.plan.steps) or not self._done(
                self.plan.steps[take.generated_by]
            ):
                continue
            verdicts = tuple(
                v for v in take.verdicts if self._validator_done(v.node_id, take.number)
            )
            states.append(TakeState(take, len(verdicts) == len(take.verdicts), verdicts))
        return states

    def _validator_done(self, node_id: str, take_number: int) -> bool:
        for step in self.plan.steps:
            if step.node_id == node_id and step.iteration == take_number - 1:
                return self._done(step)
        return False

    def delivered(self, line: LineLocale) -> Take | None:
        """The delivered take, once every sink has finished."""
        if line.delivered is None or not line.sink_steps:
            return None
        if all(self._done(self.plan.steps[i]) for i in line.sink_steps):
            return line.takes[line.delivered]
        return None

    # Both walk every line; a Progress is one timeline's, and a settled run's is kept
    # across reads (a runs summary asks each run of the workflow on every request).
    @cached_property
    def has_audio(self) -> bool:
        return any(self.delivered(line) for line in self.plan.line_locales)

    def delivered_audio_ms(self) -> int:
        return self._delivered_audio_ms

    @cached_property
    def _delivered_audio_ms(self) -> int:
        return sum(t.duration_ms for line in self.plan.line_locales
                   if (t := self.delivered(line)) is not None)

    @property
    def has_export(self) -> bool:
        return self.timeline.status == "completed" and self.has_audio

    def held_nodes(self) -> list[str] | None:
        """Nodes a paused run waits in front of (None when it never started)."""
        t = self.timeline
        parked = t.status == "paused" or (t.status == "cancelled" and t.cancelled_while_paused)
        if not parked or t.paused_from_pending:
            return None
        upcoming = [s for s in self.plan.steps if s.start_ms >= self.active_ms]
        if not upcoming:
            return []
        first = min(s.start_ms for s in upcoming)
        return sorted({s.node_id for s in upcoming if s.start_ms == first})
