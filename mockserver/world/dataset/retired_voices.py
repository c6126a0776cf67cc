"""Runs made before a voice was retired: their data cards name a voice no longer offered.

A small share of seeded workflows had a voice the platform has since retired
(``retired_voices`` in catalog.yaml). Their first run was made with it; then the workflow was
edited to a voice still offered (its ``updated_at``), and every later run uses the current
definition. That first run's snapshot keeps the retired voice, so its cards show the voice as
``unavailable`` (``voice_retired``). Each workflow draws from its own stream, keyed by its id.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from ...envelope import truncate_ms
from ..catalog.catalog import Catalog
from ..catalog.catalog_types import Voice
from ..catalog.graph_view import GENERATOR
from ..rng import rng

__all__ = ["retired_voice_history"]

_SHARE = 0.15


def retired_voice_history(seed: int, catalog: Catalog, workflow_id: str,
                          definition: dict[str, Any], created_at: datetime,
                          updated_at: datetime) -> tuple[dict[str, Any], datetime] | None:
    """(snapshot, created_at) of the workflow's first run when it used a since-retired voice.

    None for most workflows, and for any whose voices no retired voice could have stood in
    for. The run falls between the workflow's creation and its last edit.
    """
    r = rng(seed, "retired-voice", workflow_id)
    if r.random() >= _SHARE or updated_at <= created_at:
        return None
    snapshot = copy.deepcopy(definition)
    if not _swap_in_retired_voice(snapshot, catalog.retired_voices):
        return None
    at = created_at + (updated_at - created_at) * r.uniform(0.2, 0.8)
    return snapshot, truncate_ms(min(at, updated_at - timedelta(milliseconds=1)))


def _swap_in_retired_voice(snapshot: dict[str, Any], retired: tuple[Voice, ...]) -> bool:
    """Put a retired voice in the first generator slot one of them speaks; False if none."""
    for node in snapshot.get("graph", {}).get("nodes", []):
        if node.get("type") != GENERATOR:
            continue
        voice_map = (node.get("config") or {}).get("voice_map") or {}
        for locale, assignments in voice_map.items():
            voice = next((v for v in retired if locale in v.locales), None)
            if voice is not None and assignments:
                assignments[0] = {"voice_id": voice.provider_voice_id, "provider": voice.provider,
                                  "model": voice.models[0], "catalog_voice_id": voice.id,
                                  "voice_name": voice.name}
                return True
    return False
