"""The analysis credit block (runs.md §4.10): per-node spend read from one ``RunLines``.

Settled once the run is terminal, ``partial`` while it is paused, else unavailable.
Decimal strings are unrounded to six places, as the API sends them. A seeded run may have
lost a billing record (runs/billing.py): a node's usage record (its row reads ``missing``
and its spend moves to ``unattributed_fractional``) or the run's settlement (``partial``,
``settlement_missing``: the rows and total stand, nothing says what was charged).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from ..catalog.graph_view import GENERATOR, TRANSLATOR, NodeView
from .run_data_views import RunLines

__all__ = ["credits_block"]

JSON = dict[str, Any]
_PLACES = Decimal("0.000001")
_UNSETTLED = {"charged": None, "overage_credits": None, "absorbed_fraction": None,
              "minimum_charge_fractional": None}


def _exact(credits: float) -> Decimal:
    """A float sum of step prices as the decimal the API would have summed exactly."""
    return Decimal(repr(credits)).quantize(_PLACES)


def _decimal(value: Decimal) -> str:
    return str(value.quantize(_PLACES))


def credits_block(lines: RunLines, nodes: Iterable[NodeView], *, usage_lost: bool = False) -> JSON:
    """Per-node spend: settled once terminal, partial while paused, else unavailable."""
    timeline = lines.progress.timeline
    rows = [_credit_row(lines, node) for node in nodes]
    if usage_lost and timeline.terminal:
        rows = _lose_one_usage_record(rows)
    total = _exact(lines.progress.fractional_credits())
    attributed = sum((Decimal(r["credits_fractional"]) for r in rows
                      if r["credits_fractional"] is not None), Decimal(0))
    if timeline.status == "paused" or lines.progress.settlement_missing:
        reason = "run_paused" if timeline.status == "paused" else "settlement_missing"
        return {"status": "partial", "reason": reason, "truncated": False,
                "rows": rows, "total_fractional": _decimal(total),
                "unattributed_fractional": _decimal(total - attributed), **_UNSETTLED}
    if not timeline.terminal:
        return {"status": "unavailable", "reason": "run_not_settled", "rows": None,
                "minimum_charge_fractional": None}
    floor = Decimal(int(total))
    # Nothing spent: either nothing ever ran, or what ran cost nothing (no settlement).
    idle = "no_recorded_spend" if timeline.started_at is None else "zero_spend_no_settle"
    return {
        "status": "ok" if total else "unavailable",
        "reason": None if total else idle, "truncated": False,
        "rows": rows,
        "total_fractional": _decimal(total),
        "unattributed_fractional": _decimal(total - attributed),
        "charged": lines.progress.settled_credits() or 0, "overage_credits": 0,
        "absorbed_fraction": _decimal(total - floor if total >= 1 else Decimal(0)),
        "minimum_charge_fractional": _decimal(Decimal(1) - total if 0 < total < 1
                                              else Decimal(0)),
    }


def _lose_one_usage_record(rows: list[JSON]) -> list[JSON]:
    """The generator's usage record is the one lost (the busiest ledger writer); failing
    that, the first recorded row's. The run's total still counts the spend."""
    recorded = [r for r in rows if r["status"] in ("recorded", "recorded_incomplete")]
    if not recorded:
        return rows
    lost = next((r for r in recorded if r["node_type"] == GENERATOR), recorded[0])
    return [_missing_row(r) if r is lost else r for r in rows]


def _missing_row(row: JSON) -> JSON:
    return {**row, "status": "missing", "detail": "Usage record missing",
            "processed_units": None, "credits_fractional": None, "output_chars": None}


def _credit_row(lines: RunLines, node: NodeView) -> JSON:
    states = [s for s in lines.progress.steps if s.step.node_id == node.id]
    done = [s for s in states if s.status == "completed"]
    units = sum(s.step.units for s in done)
    spent = sum(s.step.credits for s in done)
    # A node the catalog does not price (a source, a sink) works for free: it bills nothing.
    status = ("not_completed" if not done else "free" if not units or not spent
              else "recorded" if len(done) == len(states) else "recorded_incomplete")
    steps = lines.progress.plan.steps
    output_ms = sum(s.take.duration_ms for states in lines.visible.values() for s in states
                    if steps[s.take.generated_by].node_id == node.id)
    return {
        "node_id": node.id, "node_type": node.type, "display_name": lines.label(node.id),
        "detail": f"{units} characters over {len(done)} execution(s)",
        "processed_units": units, "unit": "character",
        "output_ms": output_ms if node.type == "operator_generator" else None,
        "output_chars": _translated_chars(lines) if node.type == TRANSLATOR and done
        else None,
        "retries": sum(1 for s in done if s.step.iteration > 0),
        "credits_fractional": _decimal(_exact(spent)),
        "status": status,
    }


def _translated_chars(lines: RunLines) -> int:
    source = lines.progress.plan.source_language
    return sum(len(ll.script) for ll in lines.progress.plan.line_locales
               if ll.locale != source)
