"""What a validator found in one take: word or character errors, and pronunciation flags.

The score is decided by the run's plan; these details are derived from it and the script,
deterministically per take and validator (``key``), so every reading agrees.
"""

from __future__ import annotations

import re
from typing import Any

from ..rng import rng

__all__ = ["CER_LANGUAGES", "error_rate_detail", "pronunciation_segments"]

JSON = dict[str, Any]
# Scripts written without spaces are scored per character (WER degenerates there).
CER_LANGUAGES = ("ja", "zh", "th")


def _tokens(script: str, by_char: bool) -> list[tuple[str, int, int]]:
    """Scored units of a script with half-open code-point offsets."""
    if by_char:
        return [(c, i, i + 1) for i, c in enumerate(script) if not c.isspace()]
    return [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", script)]


def error_rate_detail(score: float, script: str, locale: str, key: str) -> JSON:
    by_char = locale.split("-")[0] in CER_LANGUAGES
    tokens = _tokens(script, by_char)
    rate = round(max(0.0, 100.0 - score) / 100, 4)
    errors = min(len(tokens), round(rate * len(tokens)))
    insertions = errors // 4
    deletions = (errors - insertions) // 3
    substitutions = errors - insertions - deletions
    r = rng(0, "wer-segments", key)
    picked = sorted(r.sample(range(len(tokens)), substitutions + deletions))
    kinds = ["deletion"] * deletions + ["substitution"] * substitutions
    r.shuffle(kinds)
    segments = [
        {"text": tokens[i][0], "status": "word_error", "start": tokens[i][1],
         "end": tokens[i][2], "severity": "critical" if kind == "deletion" else "warning",
         "error_type": kind, "advisory": False}
        for i, kind in zip(picked, kinds, strict=True)
    ]
    other = round(min(1.0, rate * (1.8 if by_char else 0.55)), 4)
    changed = {i: kind for i, kind in zip(picked, kinds, strict=True)}
    return {
        "transcript": _heard(tokens, changed, by_char, r),
        "wer": other if by_char else rate, "cer": rate if by_char else other,
        "scored_on": "cer" if by_char else "wer", "segments": segments,
        "error_counts": {"substitutions": substitutions, "insertions": insertions,
                         "deletions": deletions, "reference_units": len(tokens)},
    }


def pronunciation_segments(score: float, script: str, key: str, *,
                            corrected: bool = False) -> list[JSON]:
    """Flagged words; with a corrector in the graph, also the longest word it respelled."""
    words = _tokens(script, by_char=False)
    flagged = min(len(words), round(max(0.0, 100.0 - score) / 100 * len(words)))
    picked = sorted(rng(0, "pronunciation-segments", key).sample(range(len(words)), flagged))
    segments: list[JSON] = [
        {"text": words[i][0], "status": "pronunciation_error", "start": words[i][1],
         "end": words[i][2], "severity": "minor" if score >= 80 else "warning",
         "error_type": None, "advisory": score >= 80}
        for i in picked
    ]
    spare = [i for i in range(len(words)) if i not in picked]
    if corrected and spare:
        i = max(spare, key=lambda n: len(words[n][0]))
        segments.append({"text": words[i][0], "status": "corrected", "start": words[i][1],
                         "end": words[i][2], "severity": None, "error_type": None,
                         "advisory": True})
        segments.sort(key=lambda segment: segment["start"])
    return segments


def _heard(tokens: list[tuple[str, int, int]], changed: dict[int, str], by_char: bool,
           r: Any) -> str:
    """What speech recognition heard: the script with the flagged units dropped or swapped."""
    heard = []
    for index, (text, _, _) in enumerate(tokens):
        kind = changed.get(index)
        if kind == "deletion":
            continue
        if kind == "substitution":
            others = [t for t, _, _ in tokens if t != text] or [text]
            text = r.choice(others)
        heard.append(text)
    return ("" if by_char else " ").join(heard)
