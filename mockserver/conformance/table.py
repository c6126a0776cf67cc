"""The plain-text report table (at most ``WIDTH`` columns) and its summary line.

Rows are grouped under their target (``[onepin 0.16.1]``); a cell too long for its
column wraps onto continuation lines, so a long reason never pushes the table wider.
"""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Sequence

from .results import ABSENT, FAIL, GAP, PASS, Result

WIDTH = 120
HEADERS = ("SDK method or CLI command", "endpoint", "result", "reason")
# Most a column may take before it wraps; the reason gets whatever is left.
CAPS = (46, 40, 6)
GAP_BETWEEN = "  "


def _widths(results: Sequence[Result]) -> list[int]:
    cells = [HEADERS[:3], *((r.name, r.endpoint, r.status) for r in results)]
    widths = [min(cap, max(len(row[i]) for row in cells)) for i, cap in enumerate(CAPS)]
    return [*widths, WIDTH - sum(widths) - len(GAP_BETWEEN) * len(widths)]


def _wrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def _lines(cells: Sequence[str], widths: Sequence[int]) -> list[str]:
    wrapped = [_wrap(cell, width) for cell, width in zip(cells, widths, strict=True)]
    height = max(len(parts) for parts in wrapped)
    lines = []
    for row in range(height):
        parts = [(w[row] if row < len(w) else "").ljust(width)
                 for w, width in zip(wrapped, widths, strict=True)]
        lines.append(GAP_BETWEEN.join(parts).rstrip())
    return lines


def render(results: Sequence[Result]) -> str:
    widths = _widths(results)
    lines = _lines(HEADERS, widths)
    lines.append(GAP_BETWEEN.join("-" * w for w in widths[:3]) + GAP_BETWEEN + "-" * 6)
    target = None
    for result in results:
        if result.target != target:
            target = result.target
            lines.append(f"[{target}]")
        lines += _lines((result.name, result.endpoint, result.status, result.reason), widths)
    return "\n".join(lines)


def progress_line(result: Result) -> str:
    """One line per finished check, for the progress shown while the matrix runs."""
    line = f"  {result.status:<6} {result.name}  {result.endpoint}"
    if result.failed and result.reason:
        line += f"  ({result.reason})"
    return line[:WIDTH]


def summary(results: Sequence[Result]) -> str:
    counts = Counter(r.status for r in results)
    parts = ", ".join(f"{counts[s]} {s}" for s in (PASS, FAIL, GAP, ABSENT))
    verdict = "FAILED" if counts[FAIL] else "OK"
    return f"{verdict}: {len(results)} checks ({parts})"
