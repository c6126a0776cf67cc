"""The overview and analysis of one run (runs.md §4.9, §4.10), built from its ``RunFacts``.

These are the run's aggregate reports: summary metrics, audio by language, validator scores,
node states and the credit breakdown. They read only what ``RunFacts`` already folded at
``now`` (its ``Progress`` and ``RunLines``), so they agree with the run, steps, data and outputs
views; ``RunView.overview()`` and ``RunView.analysis()`` delegate here. This module knows
``RunFacts`` (below it), never ``RunView`` (above it), so the two never import each other.
"""

from __future__ import annotations

from typing import Any

from ...envelope import iso
from ..catalog.graph_view import NodeView
from ..runs.billing import USAGE_MISSING
from ..runs.plan import Verdict
from ..runs.progress import StepState
from .run_credits import credits_block
from .run_data_views import validation_kind
from .run_facts import RunFacts, iso_or_none, ms_between, not_final_reason

__all__ = ["analysis", "overview"]

JSON = dict[str, Any]


def _format_ms(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 60}m {seconds % 60:02d}s" if seconds >= 60 else f"{ms / 1000:.1f}s"


# -- overview (§4.9) ------------------------------------------------------------------


def _validator_nodes(view: RunFacts) -> list[NodeView]:
    return [n for n in view.graph.nodes if view.catalog.category(n.type) == "validation"]


def overview(view: RunFacts) -> JSON:
    t = view.timeline
    share = None
    if view.run.public_share_id and view.run.shared_at is not None:
        share = {"shared_by": view.workspace_name, "shared_at": iso(view.run.shared_at)}
    return {
        "workflow": {"id": view.workflow.id, "name": view.workflow.name},
        "run": {"id": view.run.id, "status": t.status, "run_number": view.run.run_number,
                "created_at": iso(view.run.created_at), "started_at": iso_or_none(t.started_at),
                "completed_at": iso_or_none(t.completed_at), "paused_ms": view.paused_ms,
                "has_export": view.progress.has_export,
                "error": t.error},
        "share": share,
        "metric_sections": [{"key": "summary_metrics", "title": "Summary", "layout": "grid",
                             "metrics": _summary_metrics(view)}],
        "audio_by_language": _audio_by_language(view),
        "validators": [_overview_validator(view, n) for n in _validator_nodes(view)],
        "workflow_snapshot": {"definition": view.run.snapshot,  # shared: see detail_out
                              "node_states": _node_states(view)},
        "capabilities": {"validator_drilldown": True, "live_trace_timing": True,
                         "persisted_aggregates": view.timeline.terminal},
        "future_links": _future_links(view),
    }


def _future_links(view: RunFacts) -> JSON:
    """Where the richer views live: per-validator analysis, and the step trace."""
    base = f"/api/v1/workflows/{view.run.workflow_id}/runs/{view.run.id}"
    return {"validator_drilldown": f"{base}/analysis" if _validator_nodes(view) else None,
            "live_trace": f"{base}/steps"}


def _rate_emphasis(rate: float | None) -> str | None:
    """A pass rate worth a glance: high is good news, low is a warning."""
    if rate is None:
        return None
    return "positive" if rate >= 0.9 else "negative" if rate < 0.7 else None


def _summary_metrics(view: RunFacts) -> list[JSON]:
    terminal = view.timeline.terminal
    final = _state(terminal, terminal, "", "run_in_progress")
    lines, audio_ms = view.output_line_count, view.delivered_audio_ms
    dropped = view.lines.dropped_count()
    passed, total = _pass_counts(view)
    rate = round(passed / total, 4) if total else None
    credits = view.progress.settled_credits()
    return [
        _metric("output_lines", "Output lines", lines, str(lines), "lines", final, "number",
                {"text": f"{dropped} dropped", "emphasis": "muted"} if dropped else None),
        _metric("delivered_audio", "Delivered audio", audio_ms, _format_ms(audio_ms), "ms",
                final, "duration"),
        _metric("pass_rate", "Pass rate", rate, f"{passed / total:.0%}" if total else "—",
                "ratio", _state(bool(total), terminal, "no_scores", "no_scores_yet"),
                "percentage", emphasis=_rate_emphasis(rate)),
        _metric("credits", "Credits", credits, "—" if credits is None else str(credits),
                "credits", _state(credits is not None, terminal, "", "run_not_settled"),
                "number"),
    ]


def _pass_counts(view: RunFacts) -> tuple[int, int]:
    verdicts = [v for n in _validator_nodes(view) for _, v in view.lines.latest_verdicts(n.id)]
    return sum(v.passed for v in verdicts), len(verdicts)


def _audio_by_language(view: RunFacts) -> list[JSON]:
    return [
        {"locale_code": locale, "line_count": count, "total_duration_ms": total,
         "avg_duration_ms": total // count if count else None}
        for locale, (count, total) in view.lines.audio_by_locale().items()
    ]


def _overview_validator(view: RunFacts, node: NodeView) -> JSON:
    verdicts = [v for _, v in view.lines.latest_verdicts(node.id)]
    passed = sum(v.passed for v in verdicts)
    scored = bool(verdicts)
    return {
        "node_id": node.id, "kind": validation_kind(node.type),
        "label": view.lines.label(node.id),
        "avg_score": round(sum(v.score for v in verdicts) / len(verdicts), 2) if scored
        else None,
        "pass_rate": round(passed / len(verdicts), 4) if scored else None,
        "pass_count": passed, "fail_count": len(verdicts) - passed,
        "retry_count": view.lines.retries_by(node.id),
        **_state(scored, view.timeline.terminal, "no_scores", "no_scores_yet"),
    }


def _node_states(view: RunFacts) -> list[JSON]:
    latest: dict[str, StepState] = {}
    for state in view.progress.steps:
        latest[state.step.node_id] = state
    order = [n.id for n in view.graph.nodes if n.id in latest]
    return [_node_state(view, latest[node_id]) for node_id in order]


def _node_state(view: RunFacts, state: StepState) -> JSON:
    step = state.step
    return {
        "node_id": step.node_id, "node_type": step.node_type,
        "node_display_name": step.node_name or view.display_name(step.node_type),
        "status": state.status, "iteration": step.iteration,
        "started_at": iso_or_none(state.started_at),
            "completed_at": iso_or_none(state.completed_at),
        "duration_ms": ms_between(state.started_at, state.completed_at),
        "error": view.timeline.error if state.status == "failed" else None,
    }


# -- analysis (§4.10) -----------------------------------------------------------------


def _active_duration_ms(view: RunFacts) -> int | None:
    """Wall time minus pauses once finished; while active, the run time actually spent
    (a stalled seeded run does not age with the wall clock)."""
    t = view.timeline
    if t.started_at is None:
        return None
    if t.completed_at is not None:
        return max(0, (ms_between(t.started_at, t.completed_at) or 0) - view.paused_ms)
    return int(t.active_ms / t.speed)


def analysis(view: RunFacts) -> JSON:
    t = view.timeline
    return {
        "run": {"id": view.run.id, "status": t.status, "started_at": iso_or_none(t.started_at),
                "completed_at": iso_or_none(t.completed_at), "paused_ms": view.paused_ms,
                "duration_ms": _active_duration_ms(view)},
        "audio": _analysis_audio(view),
        "validators": [_analysis_validator(view, n) for n in _validator_nodes(view)],
        "credits": credits_block(view.lines, view.graph.nodes,
                                 usage_lost=view.run.billing_gap == USAGE_MISSING),
    }


def _analysis_audio(view: RunFacts) -> JSON:
    generated = view.lines.generated_ms()
    status = "available" if view.status == "completed" else (
        "partial" if generated else "unavailable")
    reason = {"available": None, "partial": not_final_reason(view.status)}.get(
        status, "no_audio")
    return {
        "status": status, "reason": reason, "truncated": False,
        "delivered_total_ms": view.delivered_audio_ms, "generated_total_ms": generated,
        "replaced_partial": False, "replaced_missing_take_count": 0,
        "delivered_missing_take_count": 0,
        "by_locale": [
            {"locale_code": locale, "delivered_duration_ms": total,
             "delivered_line_count": count, "replaced_duration_ms":
             view.lines.replaced_ms(locale), "replaced_partial": False}
            for locale, (count, total) in view.lines.audio_by_locale().items()
        ],
    }


def _analysis_validator(view: RunFacts, node: NodeView) -> JSON:
    config = view.node_config(node)
    by_locale = view.lines.shown_verdicts(node.id)
    locales = [_validator_locale(loc, verdicts) for loc, verdicts in sorted(by_locale.items())]
    unscored = sum(1 for entry in locales if entry["status"] == "unscored")
    if unscored == len(locales):
        status, reason = "unavailable", "no_scores"
    elif unscored or view.status != "completed":
        status, reason = "partial", "run_in_progress" if not unscored else "unscored_lines"
    else:
        status, reason = "available", None
    return {
        "node_id": node.id, "node_type": node.type, "kind": validation_kind(node.type),
        "label": view.lines.label(node.id), "threshold": float(config.get("threshold", 0)),
        "max_retries": int(config.get("max_retries", 0)),
        "retry_count": view.lines.retries_by(node.id), "status": status, "reason": reason,
        "truncated": False, "unscored_locale_count": unscored, "locales": locales,
    }


def _state(ready: bool, terminal: bool, missing: str, waiting: str) -> JSON:
    """Availability: ready, missing for good (terminal), or not ready yet."""
    if ready:
        return {"status": "available", "reason": None}
    if terminal:
        return {"status": "unavailable", "reason": missing}
    return {"status": "not_ready", "reason": waiting}


def _metric(key: str, label: str, value: int | float | None, formatted: str, unit: str,
            state: JSON, variant: str, annotation: JSON | None = None, *,
            emphasis: str | None = None) -> JSON:
    return {
        "key": key, "label": label, "value": value, "formatted_value": formatted, "unit": unit,
        **state, "display": {"variant": variant, "emphasis": emphasis}, "annotation": annotation,
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
