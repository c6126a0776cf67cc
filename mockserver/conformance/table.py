"""The plain-text report table and its summary line."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from .results import ABSENT, FAIL, GAP, PASS, Result

HEADERS = ("target", "SDK method or CLI command", "endpoint", "result", "reason")


def _row(result: Result) -> tuple[str, ...]:
    return (result.target, result.name, result.endpoint, result.status, result.reason)


def render(results: Sequence[Result]) -> str:
    rows = [HEADERS, *(_row(r) for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS) - 1)]
    lines = []
    for number, row in enumerate(rows):
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in [*widths, len(HEADERS[-1])]))
    return "\n".join(lines)


def summary(results: Sequence[Result]) -> str:
    counts = Counter(r.status for r in results)
    parts = ", ".join(f"{counts[s]} {s}" for s in (PASS, FAIL, GAP, ABSENT))
    verdict = "FAILED" if counts[FAIL] else "OK"
    return f"{verdict}: {len(results)} checks ({parts})"
