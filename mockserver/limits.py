"""Bounds on documents a client sends (JSON bodies, YAML fixtures), checked before any
recursive code walks them: how deep they nest, how many values they hold, and that every
number is one JSON can carry back (no NaN or infinity)."""

from __future__ import annotations

import math
from typing import Any

MAX_DEPTH = 64
# A workflow definition at the graph limits holds about 25,000 values.
MAX_BODY_VALUES = 100_000
# Fixture files describe whole datasets, and YAML aliases can multiply what a short text
# holds (or make it loop): this bounds the walk either way.
MAX_DOCUMENT_VALUES = 1_000_000


def shape_problem(document: Any, max_values: int) -> str | None:
    """Why ``document`` is out of bounds, or None. Iterative, so depth cannot overflow."""
    stack: list[tuple[Any, int]] = [(document, 1)]
    count = 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            return f"values may nest at most {MAX_DEPTH} levels deep"
        if count > max_values:
            return f"a document may hold at most {max_values} values"
        if isinstance(item, float) and not math.isfinite(item):
            return "numbers must be finite (no NaN or infinity)"
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return None
