"""Deterministic credit estimate of one run (the EstimateResponse of estimate and preview).

Each node is priced from its catalog band (credits per 1000 units) times the units of the
script: characters, UTF-8 bytes (some TTS models) or words (the pronunciation corrector),
once per locale the node handles. The generator prices each voice assignment with its model's
band; a validator's maximum adds `max_retries` regenerations when its `fail` port loops back
to a generator. Min rounds down, expected to nearest, max up, per row and for the run total
(which is rounded from the exact sum and has a 1-credit floor).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ...errors import NoScriptText
from ..catalog.catalog import Catalog
from ..catalog.catalog_types import PriceBand
from ..catalog.graph_view import (
    FAIL_PORT,
    GENERATOR,
    TRANSLATOR,
    GraphView,
    NodeView,
    graph_view,
    node_locales,
    translator_targets,
    voice_assignments,
)
from .text import script_text as _first_script_text
from .text import split_lines

__all__ = ["estimate", "script_text_of", "settled_credits", "step_credits", "unit_guide"]

RUN_FLOOR_CREDITS = 1
# Share of takes assumed to fail a validator once; only the expected figure uses it.
EXPECTED_RETRY_SHARE = 0.15


def script_text_of(definition: dict[str, Any]) -> str:
    """The text a run reads: the first source_script's `text` ('' when there is none)."""
    return _first_script_text(definition)


@dataclass(frozen=True)
class _Units:
    characters: int
    bytes: int
    words: int

    @classmethod
    def of_text(cls, text: str) -> _Units:
        # Same counting as an upload's char_count: stripped, non-empty lines only.
        lines = split_lines(text)
        return cls(
            characters=sum(len(line) for line in lines),
            bytes=sum(len(line.encode("utf-8")) for line in lines),
            words=sum(len(line.split()) for line in lines),
        )

    def count(self, unit: str) -> int:
        return {"characters": self.characters, "bytes": self.bytes, "words": self.words}[unit]


@dataclass(frozen=True)
class _Cost:
    min: float = 0.0
    expected: float = 0.0
    max: float = 0.0

    @classmethod
    def of(cls, band: PriceBand | None, quantity: int) -> _Cost:
        if band is None:
            return cls()
        thousands = quantity / 1000
        return cls(band.min * thousands, band.expected * thousands, band.max * thousands)

    def __add__(self, other: _Cost) -> _Cost:
        return _Cost(self.min + other.min, self.expected + other.expected, self.max + other.max)

    def times(self, factor: float) -> _Cost:
        return _Cost(self.min * factor, self.expected * factor, self.max * factor)


def estimate(
    definition: dict[str, Any],
    catalog: Catalog,
    *,
    script_text: str | None,
    balance: int,
    overage_rate_cents_per_credit: float | None = None,
) -> dict[str, Any]:
    """EstimateResponse for one run; `script_text` (when not None) replaces the saved script."""
    text = script_text if script_text is not None else script_text_of(definition)
    units = _Units.of_text(text)
    if units.characters == 0:
        raise NoScriptText("the script is empty; save a script or send script_text to price a run")
    pricer = _Pricer(graph_view(definition), catalog, units, node_locales(definition))
    costs = [(node, pricer.cost(node)) for node in pricer.view.nodes if catalog.get(node.type)]
    total = sum((cost for _, cost in costs), _Cost())
    rows = [_row(node, cost) for node, cost in costs]
    return _response(rows, total, balance, overage_rate_cents_per_credit)


def band_of(catalog: Catalog, node_type: str, assignment: dict[str, Any] | None = None
            ) -> PriceBand | None:
    """The band a node bills by: a generator's voice assignment names a model, whose own
    band wins; any other node (and an auto-routed generator) bills by its catalog band."""
    if node_type == GENERATOR and assignment:
        provider, model = assignment.get("provider"), assignment.get("model")
        if isinstance(provider, str) and isinstance(model, str):
            found = catalog.model(provider, model)
            if found and found.pricing:
                return found.pricing
    spec = catalog.get(node_type)
    return spec.pricing if spec else None


def step_credits(band: PriceBand | None, texts: list[str], copies: int = 1) -> float:
    """Fractional credits one execution spends on ``texts`` (each billed ``copies`` times):
    the band's expected rate, never above its max, so a run's settled charge stays within
    the estimate's maximum for the same snapshot."""
    if band is None or copies <= 0:
        return 0.0
    units = _Units.of_text("\n".join(texts)).count(band.unit)
    return band.expected * units / 1000 * copies


def settled_credits(spent: float) -> int:
    """The whole credits a run that spent ``spent`` fractional credits is debited: floored,
    with the run's 1-credit minimum once it spent anything (nothing spent: no charge)."""
    return max(RUN_FLOOR_CREDITS, math.floor(_tidy(spent))) if spent > 0 else 0


class _Pricer:
    def __init__(
        self,
        view: GraphView,
        catalog: Catalog,
        units: _Units,
        locales: dict[str, frozenset[str]],
    ) -> None:
        self.view, self.catalog, self.units, self.locales = view, catalog, units, locales

    def cost(self, node: NodeView) -> _Cost:
        if node.type == GENERATOR:
            return self._generator(node)
        if node.type == TRANSLATOR:
            # The original line passes through free; only new target locales are translated.
            return self._per_locale(
                node, len(set(translator_targets(node)) - self.locales[node.id])
            )
        if self.catalog.category(node.type) == "validation":
            return self._validator(node)
        # A node nothing feeds (no locales reach it) never runs, so it costs nothing.
        return self._per_locale(node, len(self.locales[node.id]))

    def _band(self, node: NodeView) -> PriceBand | None:
        spec = self.catalog.get(node.type)
        return spec.pricing if spec else None

    def _per_locale(self, node: NodeView, locale_count: int) -> _Cost:
        band = self._band(node)
        return _Cost.of(band, self.units.count(band.unit) if band else 0).times(locale_count)

    def _generator(self, node: NodeView) -> _Cost:
        """Every voice assigned to a locale renders every line once, priced by its model."""
        raw_map = node.config.get("voice_map")
        voice_map = raw_map if isinstance(raw_map, dict) else {}
        total = _Cost()
        for locale in sorted(self.locales[node.id]):
            for assignment in voice_assignments(voice_map.get(locale)) or [{}]:
                band = self._model_band(assignment) or self._band(node)
                total += _Cost.of(band, self.units.count(band.unit) if band else 0)
        return total

    def _model_band(self, assignment: dict[str, Any]) -> PriceBand | None:
        return band_of(self.catalog, GENERATOR, assignment) if assignment else None

    def _validator(self, node: NodeView) -> _Cost:
        once = self._per_locale(node, len(self.locales[node.id]))
        retries = self._max_retries(node)
        regenerate = sum((self._generator(g) for g in self._retry_generators(node)), _Cost())
        if retries == 0 or regenerate == _Cost():
            return once  # no loop back: failed takes are dropped, never redone
        retry = once + regenerate
        expected = once.expected + retry.expected * EXPECTED_RETRY_SHARE
        return _Cost(once.min, expected, once.max + retry.max * retries)

    def _max_retries(self, node: NodeView) -> int:
        value = node.config.get("max_retries")
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        default = self.catalog.default_config(node.type).get("max_retries", 0)
        return default if isinstance(default, int) else 0

    def _retry_generators(self, node: NodeView) -> list[NodeView]:
        targets = {
            e.target for e in self.view.edges if e.source == node.id and e.source_port == FAIL_PORT
        }
        return [n for n in self.view.nodes if n.id in targets and n.type == GENERATOR]


def _tidy(value: float) -> float:
    # Float products such as 0.1 * 3 land a hair above the true value; without this,
    # ceil() would add a phantom credit.
    return round(value, 6)


def _credits(cost: _Cost) -> tuple[int, int, int]:
    """Whole credits: min rounds down, expected to nearest, max up, so min <= expected <= max."""
    return (
        math.floor(_tidy(cost.min)),
        math.floor(_tidy(cost.expected) + 0.5),
        math.ceil(_tidy(cost.max)),
    )


def _row(node: NodeView, cost: _Cost) -> dict[str, Any]:
    low, mid, high = _credits(cost)
    return {
        "node_id": node.id,
        "node_type": node.type,
        "min_credits": low,
        "expected_credits": mid,
        "max_credits": high,
    }


def _response(
    rows: list[dict[str, Any]], total: _Cost, balance: int, rate: float | None
) -> dict[str, Any]:
    # The run total is rounded once from the exact sum (rows are rounded for display only),
    # so it need not equal the sum of the rows; a run always costs at least the floor.
    low, mid, high = (max(RUN_FLOOR_CREDITS, credits) for credits in _credits(total))
    return {
        "min_credits": low,
        "expected_credits": mid,
        "max_credits": high,
        "breakdown": rows,
        "current_balance": balance,
        "deficit_at_max": max(0, high - balance),
        "can_run": low <= balance,  # the run-start gate: refuse only runs that cannot fit
        **_overage(mid, balance, rate),
    }


def _overage(expected: int, balance: int, rate: float | None) -> dict[str, Any]:
    """The 0.16.1 overage fields; all null for a workspace without an overage rate."""
    if rate is None:
        return {
            "overage_rate_cents_per_credit": None,
            "will_incur_overage": None,
            "estimated_overage_cents": None,
        }
    over = max(0, expected - balance)
    return {
        "overage_rate_cents_per_credit": rate,
        "will_incur_overage": over > 0,
        "estimated_overage_cents": math.ceil(_tidy(over * rate)),
    }


def unit_guide(definition: dict[str, Any], catalog: Catalog, unit_text: str) -> dict[str, Any]:
    """The per-unit part of a TemplateEstimateResponse, priced exactly as runs are.

    Variable credits are what one ``unit_text`` adds; fixed credits are what the same graph
    costs on no text at all (nothing, with today's catalog: every band scales with the
    script). Each total is its variable plus its fixed part, so the guide adds up.
    """
    view, locales = graph_view(definition), node_locales(definition)
    with_text = _Pricer(view, catalog, _Units.of_text(unit_text), locales)
    without = _Pricer(view, catalog, _Units(0, 0, 0), locales)
    rows, variable, fixed = [], _Cost(), _Cost()
    for node in view.nodes:
        if not catalog.get(node.type):
            continue
        base, full = without.cost(node), with_text.cost(node)
        fixed += base
        variable += full + base.times(-1)
        rows.append(_row(node, full))
    var, fix = _credits(variable), _credits(fixed)
    return {
        "variable_min_credits_per_unit": var[0],
        "variable_expected_credits_per_unit": var[1],
        "variable_max_credits_per_unit": var[2],
        "fixed_min_credits": fix[0],
        "fixed_expected_credits": fix[1],
        "fixed_max_credits": fix[2],
        "total_min_credits_per_unit": var[0] + fix[0],
        "total_expected_credits_per_unit": var[1] + fix[1],
        "total_max_credits_per_unit": var[2] + fix[2],
        "breakdown": rows,
    }
