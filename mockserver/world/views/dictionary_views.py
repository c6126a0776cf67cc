"""Dictionary entries as callers see them: DictionaryOut, list orders, language counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from ...envelope import iso
from ..state.records import DictionaryRecord

# A missing `order` falls back per key: words A-Z, the newest and most used first.
DEFAULT_ORDER = {"word": "asc", "created_at": "desc", "uses_count": "desc"}
DEFAULT_SORT = "created_at"


def entry_out(entry: DictionaryRecord, audio_url: str | None = None) -> dict[str, Any]:
    return {
        "id": entry.id, "word": entry.word, "description": entry.description,
        "pronunciation": entry.pronunciation,
        "audio_url": audio_url if entry.method == "recorded" else None,
        "method": entry.method, "language": entry.language,
        # Entries are never applied at synthesis, so nothing ever counts a use.
        "uses_count": 0,
        "ipa": entry.ipa, "created_by": entry.created_by,
        "created_at": iso(entry.created_at), "updated_at": iso(entry.updated_at),
    }


def ordered(entries: Iterable[DictionaryRecord], sort: str | None,
            order: str | None) -> list[DictionaryRecord]:
    """By ``sort`` (word, created_at or uses_count) in ``order``; ties by ascending id."""
    key = sort or DEFAULT_SORT
    rows = sorted(entries, key=lambda e: e.id)
    if key == "word":
        rows.sort(key=lambda e: e.word.casefold(), reverse=(order or "asc") == "desc")
    elif key == "created_at":
        rows.sort(key=lambda e: e.created_at, reverse=(order or "desc") == "desc")
    # uses_count is 0 for every entry: the id order stands, whatever the direction.
    return rows


def language_counts(entries: Iterable[DictionaryRecord]) -> list[dict[str, Any]]:
    """Locales with at least one entry: most entries first, then by code."""
    counts = Counter(e.language for e in entries)
    return [{"code": code, "count": n}
            for code, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
