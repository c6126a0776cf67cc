"""Templates as callers see them: TemplateOut, the list filters and orders, the estimate.

Which snapshot a caller sees is decided in ``dataset/templates.find``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ...envelope import iso
from ..catalog.catalog import Catalog
from ..catalog.graph_view import SOURCE
from ..dataset.templates import Seen, uses_count
from ..runs import pricing
from ..state.store import World

UNIT_CHARS = 1000
_SYNTHETIC_SENTENCE = "Every line of this script is read once in each of its languages. "


def is_favorite(world: World, user_id: str, template_id: str) -> bool:
    return template_id in world.template_favorites.get(user_id, {})


def template_out(world: World, seen: Seen, user_id: str) -> dict[str, Any]:
    record, snapshot = seen.record, seen.snapshot
    return {
        "id": record.id, "name": snapshot.name, "description": snapshot.description,
        "category": snapshot.category, "definition": snapshot.definition,
        "is_starter": record.is_starter, "is_public": record.published is not None,
        "is_favorite": is_favorite(world, user_id, record.id),
        "uses_count": uses_count(world, record), "created_by": record.created_by,
        "created_at": iso(record.created_at), "updated_at": iso(snapshot.at),
    }


@dataclass(frozen=True)
class Filters:
    categories: tuple[str, ...] = ()
    search: str | None = None
    sort: str = "popular"
    favorites_of: str | None = None  # a user id: only that user's favorites


def listed(world: World, seen: list[Seen], filters: Filters) -> list[Seen]:
    """Filter and order: search is a case-insensitive match in name or description;
    popular = uses_count descending, recent = updated_at descending, name = A-Z; ties by id."""
    needle = (filters.search or "").strip().casefold()
    favorites = world.template_favorites.get(filters.favorites_of or "", {})
    kept = [s for s in seen
            if (not filters.categories or s.snapshot.category in filters.categories)
            and (not needle or needle in s.snapshot.name.casefold()
                 or needle in (s.snapshot.description or "").casefold())
            and (filters.favorites_of is None or s.record.id in favorites)]
    kept.sort(key=lambda s: s.record.id)
    if filters.sort == "name":
        kept.sort(key=lambda s: s.snapshot.name.casefold())
    elif filters.sort == "recent":
        kept.sort(key=lambda s: s.snapshot.at, reverse=True)
    else:
        counts = {s.record.id: uses_count(world, s.record) for s in kept}
        kept.sort(key=lambda s: counts[s.record.id], reverse=True)
    return kept


# -- the per-unit estimate -------------------------------------------------------------


def synthetic_script(length: int = UNIT_CHARS) -> str:
    """Exactly ``length`` characters of plain text, ending on a non-space."""
    text = (_SYNTHETIC_SENTENCE * (length // len(_SYNTHETIC_SENTENCE) + 1))[:length - 1]
    return text + "."


def _fingerprint(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def rate_fingerprint(catalog: Catalog) -> str:
    bands = {t: getattr(catalog.get(t), "pricing", None) for t in catalog.node_types()}
    models = {f"{p.provider}/{m.model}": m.pricing for p in catalog.providers for m in p.models}
    return _fingerprint({"nodes": bands, "models": models})


def template_estimate(catalog: Catalog, seen: Seen) -> dict[str, Any]:
    """TemplateEstimateResponse: the pricing engine's per-unit guide for the snapshot seen.

    The mock prices a definition when it is saved, so every read is a cache ``hit``
    computed at the snapshot's save time: the same answer on every call and every worker.
    """
    definition = seen.snapshot.definition
    guide = pricing.unit_guide(definition, catalog, synthetic_script())
    nodes = ((definition.get("graph") or {}).get("nodes") or [])
    return {
        "unit_chars": UNIT_CHARS,
        **guide,
        "source_snapshot": seen.source,
        "source_node_ids": [n["id"] for n in nodes
                            if isinstance(n, dict) and n.get("type") == SOURCE],
        "definition_fingerprint": _fingerprint(definition),
        "rate_fingerprint": rate_fingerprint(catalog),
        "cache_status": "hit",
        "computed_at": iso(seen.snapshot.at),
    }
