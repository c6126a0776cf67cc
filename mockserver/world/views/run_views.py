"""Wire views of one run at one instant (runs.md §2, §4.8-4.16).

A ``RunView`` folds the run's timeline at ``now`` once and reads everything from that
single ``Progress``, so run models, steps, overview, analysis, data and outputs always
agree with each other. No clock reads, no randomness beyond the plan's own ids. This module
holds the run shapes, steps, data and outputs and ``runs_summary``; the overview and analysis
reports are built in ``run_report_views.py``, and line-level rows in ``run_data_views.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ...envelope import iso
from ..catalog.graph_view import SINK
from ..dataset import generate
from ..rng import stable_uuid
from ..runs.progress import StepState
from . import run_report_views
from .run_data_views import AudioLinker
from .run_facts import RunFacts, iso_or_none, not_final_reason

__all__ = ["AudioLinker", "RunView", "runs_summary"]

JSON = dict[str, Any]
STATUSES = ("pending", "running", "paused", "completed", "failed", "cancelled")
_NOT_IN_LIST = ("workflow_id", "token_cost", "updated_at", "error", "has_export", "held_nodes")


class RunView(RunFacts):
    """One run as the API shows it at ``now``."""

    # -- run models (§2) -------------------------------------------------------------------

    def out(self) -> JSON:
        return {**self._common(), "credits": self.progress.settled_credits()}

    def status_out(self) -> JSON:
        return self._common()

    def detail_out(self) -> JSON:
        return {
            **self.out(),
            "credits_absorbed": self.progress.credits_absorbed(),
            # Shared, not copied: a body is only ever encoded, never changed after its
            # handler, and a run's snapshot is never changed once the run exists.
            "definition_snapshot": self.run.snapshot,
            "public_share_id": self.run.public_share_id,
            "shared_at": iso_or_none(self.run.shared_at) if self.run.public_share_id else None,
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
            "started_at": iso_or_none(t.started_at), "completed_at": iso_or_none(t.completed_at),
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
            "pause_requested_at": iso_or_none(t.pause_requested_at) if pausing else None,
            "paused_at": iso_or_none(t.paused_at) if t.status in ("paused", "cancelled") else None,
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
            "node_display_name": step.node_name or self.display_name(step.node_type),
            "status": state.status, "iteration": step.iteration,
            "started_at": iso_or_none(state.started_at),
            "completed_at": iso_or_none(state.completed_at),
            "result": self.lines.step_result(step) if include_result and done else None,
            "has_result": done, "active_ports": list(step.active_ports) if done else [],
            "locales": list(step.locales) if step.locales is not None else None,
            "pause_reason": state.pause_reason,
            "pause_error": generate.pause_error(state.pause_reason),
            "error": self.timeline.error if state.status == "failed" else None,
        }

    # -- overview (§4.9) and analysis (§4.10), built in run_report_views ------------------

    def overview(self) -> JSON:
        return run_report_views.overview(self)

    def analysis(self) -> JSON:
        return run_report_views.analysis(self)

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
                        "reason": None if terminal else not_final_reason(self.status),
                        "source": "live"},
            "dropped_truncated": False,
        }

    def outputs(self) -> JSON:
        latest = {s.step.node_id: s for s in self.progress.steps}
        outputs = []
        for node in self.graph.of_type(SINK):
            state = latest.get(node.id)
            done = state is not None and state.status == "completed"
            lines = self.lines.sink_lines(str(self.node_config(node).get("format", "wav"))) \
                if done else []
            status = state.status if state else ("skipped" if self.timeline.terminal
                                                 else "pending")
            outputs.append({"node_id": node.id, "node_type": node.type,
                            "display_name": self.lines.label(node.id), "status": status,
                            "lines": lines, "line_count": len(lines), "truncated": False})
        return {"run_id": self.run.id, "run_status": self.status,
                "credits": self.progress.settled_credits(),
                "credits_absorbed": self.progress.credits_absorbed(), "outputs": outputs}


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
