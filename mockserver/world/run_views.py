"""Wire views of one run at one instant (runs.md §2, §4.8-4.16).

A ``RunView`` folds the run's timeline at ``now`` once and reads everything from that
single ``Progress``, so run models, steps, overview, analysis, data and outputs always
agree with each other. No clock reads, no randomness beyond the plan's own ids.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from datetime import datetime
from functools import cached_property
from typing import Any

from ..envelope import iso
from . import generate
from .catalog import Catalog
from .graph_rules import SINK, NodeView, graph_view
from .plan import Take, Verdict
from .progress import Progress, StepState
from .records import RunRecord, WorkflowRecord
from .rng import stable_uuid
from .run_data_views import AudioLinker, RunLines, validation_kind

__all__ = ["AudioLinker", "RunView", "runs_summary"]

JSON = dict[str, Any]
STATUSES = ("pending", "running", "paused", "completed", "failed", "cancelled")
_NOT_IN_LIST = ("workflow_id", "token_cost", "updated_at", "error", "has_export", "held_nodes")


def _iso(instant: datetime | None) -> str | None:
    return iso(instant) if instant is not None else None


def _ms_between(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return int((end - start).total_seconds() * 1000)


def _format_ms(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 60}m {seconds % 60:02d}s" if seconds >= 60 else f"{ms / 1000:.1f}s"


class RunView:
    """One run as the API shows it at ``now``."""

    def __init__(self, run: RunRecord, workflow: WorkflowRecord, now: datetime, catalog: Catalog,
                 audio_link: AudioLinker, *, workspace_name: str | None = None) -> None:
        self.run = run
        self.workflow = workflow
        self.now = now
        self.catalog = catalog
        self.workspace_name = workspace_name or "Onepin workspace"
        self.timeline = run.timeline(now)
        self.progress = Progress(run.plan, self.timeline)
        self.graph = graph_view(run.snapshot)
        labels = {n.id: n.name or self._display_name(n.type) for n in self.graph.nodes}
        self.lines = RunLines(run.id, self.progress, labels, audio_link)

    def _display_name(self, node_type: str) -> str:
        spec = self.catalog.get(node_type)
        return spec.display_name if spec else node_type

    # -- convenience used by aggregates --------------------------------------------------

    @property
    def status(self) -> str:
        return self.timeline.status

    @property
    def created_at(self) -> datetime:
        return self.run.created_at

    @property
    def started_at(self) -> datetime | None:
        return self.timeline.started_at

    @property
    def completed_at(self) -> datetime | None:
        return self.timeline.completed_at

    @property
    def paused_ms(self) -> int:
        """Total paused time, including the pause in progress."""
        t = self.timeline
        ongoing = _ms_between(t.paused_at, self.now) if t.status == "paused" else None
        return t.paused_ms + max(0, ongoing or 0)

    @property
    def active_duration_seconds(self) -> float | None:
        wall = _ms_between(self.started_at, self.completed_at)
        return None if wall is None else max(0, wall - self.paused_ms) / 1000

    @property
    def delivered_audio_ms(self) -> int:
        return self.progress.delivered_audio_ms()

    @property
    def output_line_count(self) -> int:
        return len(self.lines.delivered_lines)

    def find_audio(self, audio_id: str) -> Take | None:
        """The visible take with this audio id, if any (for the audio URL / file endpoints)."""
        found = self.lines.find(audio_id)
        return found[1].take if found else None

    # -- run models (§2) -------------------------------------------------------------------

    def out(self) -> JSON:
        return {**self._common(), "credits": self.progress.settled_credits()}

    def status_out(self) -> JSON:
        return self._common()

    def detail_out(self) -> JSON:
        return {
            **self.out(),
            "credits_absorbed": self.progress.credits_absorbed(),
            "definition_snapshot": copy.deepcopy(self.run.snapshot),
            "public_share_id": self.run.public_share_id,
            "shared_at": _iso(self.run.shared_at) if self.run.public_share_id else None,
        }

    def list_item(self) -> JSON:
        row = {k: v for k, v in self.out().items() if k not in _NOT_IN_LIST}
        row["output_line_count"] = self.output_line_count
        row["delivered_audio_ms"] = self.delivered_audio_ms
        return row

    def _common(self) -> JSON:
        t, p = self.timeline, self.progress
        return {
            "id": self.run.id, "workflow_id": self.run.workflow_id, "status": t.status,
            "run_number": self.run.run_number, "total_nodes": len(self.graph.nodes),
            "total_steps": p.total_steps, "finished_steps": p.finished_steps,
            "finished_nodes": p.finished_nodes(), "held_nodes": self._held_nodes(),
            "token_cost": p.token_cost, "usage_summary": self._usage_summary(),
            "started_at": _iso(t.started_at), "completed_at": _iso(t.completed_at),
            **self._pause_fields(),
            "created_at": iso(self.run.created_at), "updated_at": iso(self._updated_at()),
            "error": t.error,
            "has_export": p.has_export, "triggered_by": self._triggered_by(),
        }

    def _pause_fields(self) -> JSON:
        t = self.timeline
        pausing = t.status == "paused" or (t.status == "running" and bool(t.pause_requested_at))
        reason = t.pause_reason if pausing else None
        message = generate.pause_error(reason)
        return {
            "pause_requested_at": _iso(t.pause_requested_at) if pausing else None,
            "paused_at": _iso(t.paused_at) if t.status in ("paused", "cancelled") else None,
            "paused_ms": self.paused_ms, "pause_reason": reason, "pause_error": message,
        }

    def _held_nodes(self) -> list[JSON] | None:
        held = self.progress.held_nodes()
        if held is None:
            return None
        upcoming = [s for s in self.run.plan.steps if s.start_ms >= self.progress.active_ms]
        first = min((s.start_ms for s in upcoming), default=0)
        return [
            {"node_id": node_id, "locales": sorted({
                loc for s in upcoming if s.node_id == node_id and s.start_ms == first
                for loc in s.locales or ()})}
            for node_id in held
        ]

    def _usage_summary(self) -> JSON | None:
        if self.timeline.started_at is None:
            return None
        plan = self.run.plan
        return {
            "characters": self.progress.token_cost,
            "lines": len(plan.source_lines),
            "locales": len({ll.locale for ll in plan.line_locales}),
            "takes": sum(len(states) for states in self.lines.visible.values()),
            "generated_audio_ms": self.lines.generated_ms(),
            "delivered_audio_ms": self.delivered_audio_ms,
        }

    def _updated_at(self) -> datetime:
        events = [self.run.created_at, self.timeline.updated_at or self.run.created_at]
        for state in self.progress.steps:
            events += [e for e in (state.started_at, state.completed_at) if e is not None]
        return min(max(events), max(self.now, self.run.created_at))

    def _triggered_by(self) -> JSON | None:
        user = self.run.triggered_by
        if not user.get("user_id") or not user.get("user_name"):
            return None
        return {"user_id": user["user_id"], "user_name": user["user_name"]}

    # -- steps (§4.8) ---------------------------------------------------------------------

    def steps(self, *, include_result: bool, node_type: str | None,
              node_id: str | None) -> list[JSON]:
        return [
            self._step_out(state, include_result) for state in self.progress.steps
            if (node_type is None or state.step.node_type == node_type)
            and (node_id is None or state.step.node_id == node_id)
        ]

    def _step_out(self, state: StepState, include_result: bool) -> JSON:
        step, done = state.step, state.status == "completed"
        return {
            "id": stable_uuid(0, "run-step", f"{self.run.id}:{step.index}"),
            "node_id": step.node_id, "node_type": step.node_type,
            "node_display_name": step.node_name or self._display_name(step.node_type),
            "status": state.status, "iteration": step.iteration,
            "started_at": _iso(state.started_at), "completed_at": _iso(state.completed_at),
            "result": self.lines.step_result(step) if include_result and done else None,
            "has_result": done, "active_ports": list(step.active_ports) if done else [],
            "locales": list(step.locales) if step.locales is not None else None,
            "pause_reason": None, "pause_error": None,
            "error": self.timeline.error if state.status == "failed" else None,
        }

    # -- overview (§4.9) ------------------------------------------------------------------

    @cached_property
    def _validator_nodes(self) -> list[NodeView]:
        return [n for n in self.graph.nodes if self.catalog.category(n.type) == "validation"]

    def _node_config(self, node: NodeView) -> JSON:
        return {**self.catalog.default_config(node.type), **node.config}

    def overview(self) -> JSON:
        t = self.timeline
        share = None
        if self.run.public_share_id and self.run.shared_at is not None:
            share = {"shared_by": self.workspace_name, "shared_at": iso(self.run.shared_at)}
        return {
            "workflow": {"id": self.workflow.id, "name": self.workflow.name},
            "run": {"id": self.run.id, "status": t.status, "run_number": self.run.run_number,
                    "created_at": iso(self.run.created_at), "started_at": _iso(t.started_at),
                    "completed_at": _iso(t.completed_at), "paused_ms": self.paused_ms,
                    "has_export": self.progress.has_export,
                    "error": t.error},
            "share": share,
            "metric_sections": [{"key": "summary_metrics", "title": "Summary", "layout": "grid",
                                 "metrics": self._summary_metrics()}],
            "audio_by_language": self._audio_by_language(),
            "validators": [self._overview_validator(n) for n in self._validator_nodes],
            "workflow_snapshot": {"definition": copy.deepcopy(self.run.snapshot),
                                  "node_states": self._node_states()},
            "capabilities": {"validator_drilldown": True, "live_trace_timing": True,
                             "persisted_aggregates": self.timeline.terminal},
            "future_links": {"validator_drilldown": None, "live_trace": None},
        }

    def _summary_metrics(self) -> list[JSON]:
        terminal = self.timeline.terminal
        final = _state(terminal, terminal, "", "run_in_progress")
        lines, audio_ms = self.output_line_count, self.delivered_audio_ms
        dropped = self.lines.dropped_count()
        passed, total = self._pass_counts()
        credits = self.progress.settled_credits()
        return [
            _metric("output_lines", "Output lines", lines, str(lines), "lines", final, "number",
                    {"text": f"{dropped} dropped", "emphasis": "muted"} if dropped else None),
            _metric("delivered_audio", "Delivered audio", audio_ms, _format_ms(audio_ms), "ms",
                    final, "duration"),
            _metric("pass_rate", "Pass rate", round(passed / total, 4) if total else None,
                    f"{passed / total:.0%}" if total else "—", "ratio",
                    _state(bool(total), terminal, "no_scores", "no_scores_yet"), "percentage"),
            _metric("credits", "Credits", credits, "—" if credits is None else str(credits),
                    "credits", _state(credits is not None, terminal, "", "run_not_settled"),
                    "number"),
        ]

    def _pass_counts(self) -> tuple[int, int]:
        verdicts = [v for n in self._validator_nodes for _, v in self.lines.latest_verdicts(n.id)]
        return sum(v.passed for v in verdicts), len(verdicts)

    def _audio_by_language(self) -> list[JSON]:
        return [
            {"locale_code": locale, "line_count": count, "total_duration_ms": total,
             "avg_duration_ms": total // count if count else None}
            for locale, (count, total) in self.lines.audio_by_locale().items()
        ]

    def _overview_validator(self, node: NodeView) -> JSON:
        verdicts = [v for _, v in self.lines.latest_verdicts(node.id)]
        passed = sum(v.passed for v in verdicts)
        scored = bool(verdicts)
        return {
            "node_id": node.id, "kind": validation_kind(node.type),
            "label": self.lines.label(node.id),
            "avg_score": round(sum(v.score for v in verdicts) / len(verdicts), 2) if scored
            else None,
            "pass_rate": round(passed / len(verdicts), 4) if scored else None,
            "pass_count": passed, "fail_count": len(verdicts) - passed,
            "retry_count": self.lines.retries_by(node.id),
            **_state(scored, self.timeline.terminal, "no_scores", "no_scores_yet"),
        }

    def _node_states(self) -> list[JSON]:
        latest: dict[str, StepState] = {}
        for state in self.progress.steps:
            latest[state.step.node_id] = state
        order = [n.id for n in self.graph.nodes if n.id in latest]
        return [self._node_state(latest[node_id]) for node_id in order]

    def _node_state(self, state: StepState) -> JSON:
        step = state.step
        return {
            "node_id": step.node_id, "node_type": step.node_type,
            "node_display_name": step.node_name or self._display_name(step.node_type),
            "status": state.status, "iteration": step.iteration,
            "started_at": _iso(state.started_at), "completed_at": _iso(state.completed_at),
            "duration_ms": _ms_between(state.started_at, state.completed_at),
            "error": self.timeline.error if state.status == "failed" else None,
        }

    # -- analysis (§4.10) -----------------------------------------------------------------

    def _active_duration_ms(self) -> int | None:
        """Wall time minus pauses once finished; while active, the run time actually spent
        (a stalled seeded run does not age with the wall clock)."""
        t = self.timeline
        if t.started_at is None:
            return None
        if t.completed_at is not None:
            return max(0, (_ms_between(t.started_at, t.completed_at) or 0) - self.paused_ms)
        return int(t.active_ms / t.speed)

    def analysis(self) -> JSON:
        t = self.timeline
        return {
            "run": {"id": self.run.id, "status": t.status, "started_at": _iso(t.started_at),
                    "completed_at": _iso(t.completed_at), "paused_ms": self.paused_ms,
                    "duration_ms": self._active_duration_ms()},
            "audio": self._analysis_audio(),
            "validators": [self._analysis_validator(n) for n in self._validator_nodes],
            "credits": self.lines.credits_block(self.graph.nodes),
        }

    def _analysis_audio(self) -> JSON:
        generated = self.lines.generated_ms()
        status = "available" if self.status == "completed" else (
            "partial" if generated else "unavailable")
        reason = {"available": None, "partial": _not_final_reason(self.status)}.get(
            status, "no_audio")
        return {
            "status": status, "reason": reason, "truncated": False,
            "delivered_total_ms": self.delivered_audio_ms, "generated_total_ms": generated,
            "replaced_partial": False, "replaced_missing_take_count": 0,
            "delivered_missing_take_count": 0,
            "by_locale": [
                {"locale_code": locale, "delivered_duration_ms": total,
                 "delivered_line_count": count, "replaced_duration_ms":
                 self.lines.replaced_ms(locale), "replaced_partial": False}
                for locale, (count, total) in self.lines.audio_by_locale().items()
            ],
        }

    def _analysis_validator(self, node: NodeView) -> JSON:
        config = self._node_config(node)
        by_locale = self.lines.shown_verdicts(node.id)
        locales = [_validator_locale(loc, verdicts) for loc, verdicts in sorted(by_locale.items())]
        unscored = sum(1 for entry in locales if entry["status"] == "unscored")
        if unscored == len(locales):
            status, reason = "unavailable", "no_scores"
        elif unscored or self.status != "completed":
            status, reason = "partial", "run_in_progress" if not unscored else "unscored_lines"
        else:
            status, reason = "available", None
        return {
            "node_id": node.id, "node_type": node.type, "kind": validation_kind(node.type),
            "label": self.lines.label(node.id), "threshold": float(config.get("threshold", 0)),
            "max_retries": int(config.get("max_retries", 0)),
            "retry_count": self.lines.retries_by(node.id), "status": status, "reason": reason,
            "truncated": False, "unscored_locale_count": unscored, "locales": locales,
        }

    # -- data and outputs (§4.11, §4.12) ---------------------------------------------------

    def data_rows(self, *, search: str | None, language: str | None,
                  include_dropped: bool) -> list[JSON]:
        return self.lines.data_rows(search=search, language=language,
                                    include_dropped=include_dropped)

    def data_out(self, rows: list[JSON]) -> JSON:
        terminal = self.timeline.terminal
        return {
            "workflow_id": self.run.workflow_id, "run_id": self.run.id,
            "run_status": self.status, "rows": rows,
            "partial": {"status": "available" if terminal else "not_ready",
                        "reason": None if terminal else _not_final_reason(self.status),
                        "source": "live"},
            "dropped_truncated": False,
        }

    def outputs(self) -> JSON:
        latest = {s.step.node_id: s for s in self.progress.steps}
        outputs = []
        for node in self.graph.of_type(SINK):
            state = latest.get(node.id)
            done = state is not None and state.status == "completed"
            lines = self.lines.sink_lines(str(self._node_config(node).get("format", "wav"))) \
                if done else []
            status = state.status if state else ("skipped" if self.timeline.terminal
                                                 else "pending")
            outputs.append({"node_id": node.id, "node_type": node.type,
                            "display_name": self.lines.label(node.id), "status": status,
                            "lines": lines, "line_count": len(lines), "truncated": False})
        return {"run_id": self.run.id, "run_status": self.status,
                "credits": self.progress.settled_credits(),
                "credits_absorbed": self.progress.credits_absorbed(), "outputs": outputs}


def _state(ready: bool, terminal: bool, missing: str, waiting: str) -> JSON:
    """Availability: ready, missing for good (terminal), or not ready yet."""
    if ready:
        return {"status": "available", "reason": None}
    if terminal:
        return {"status": "unavailable", "reason": missing}
    return {"status": "not_ready", "reason": waiting}


def _not_final_reason(status: str) -> str:
    return {"failed": "run_failed", "cancelled": "run_cancelled", "paused": "run_paused",
            "pending": "run_pending"}.get(status, "run_in_progress")


def _metric(key: str, label: str, value: int | float | None, formatted: str, unit: str,
            state: JSON, variant: str, annotation: JSON | None = None) -> JSON:
    return {
        "key": key, "label": label, "value": value, "formatted_value": formatted, "unit": unit,
        **state, "display": {"variant": variant, "emphasis": None}, "annotation": annotation,
    }


def _validator_locale(locale: str, verdicts: list[Verdict]) -> JSON:
    if not verdicts:
        return {"locale_code": locale, "avg_score": None, "line_count": 0, "pass_count": 0,
                "fail_count": 0, "status": "unscored"}
    passed = sum(v.passed for v in verdicts)
    return {"locale_code": locale, "avg_score": round(sum(v.score for v in verdicts)
                                                      / len(verdicts), 2),
            "line_count": len(verdicts), "pass_count": passed,
            "fail_count": len(verdicts) - passed, "status": "available"}


def runs_summary(views: Iterable[RunView], start: datetime | None,
                 end: datetime | None) -> JSON:
    """RunsSummaryOut over runs created in [start, end] (0.16.1 formulas, runs.md §4.16)."""
    window = [v for v in views if (start is None or v.created_at >= start)
              and (end is None or v.created_at <= end)]
    counts = {status: sum(1 for v in window if v.status == status) for status in STATUSES}
    decided = counts["completed"] + counts["failed"]
    completed = [v for v in window if v.status == "completed"]
    durations = [d for v in completed if (d := v.active_duration_seconds) is not None]
    return {
        "total_runs": sum(counts.values()), **counts,
        "pass_rate": counts["completed"] / decided if decided else None,
        "delivered_audio_ms": sum(v.delivered_audio_ms for v in completed),
        "average_duration_seconds": sum(durations) / len(durations) if durations else None,
    }
