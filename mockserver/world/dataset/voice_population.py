"""Every voice a workspace sees: the platform catalog plus its own, with its favorites.

``GET /voices``, its facets, similar voices and previews all read this one population, so
a chip's count, a list's total and a voice's ``is_favorite`` can never disagree. Favorites
are the seeded ones (a workspace voice's draw) overlaid with the workspace's
``favorite_changes``, which only the favorite events write.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..catalog.catalog import Catalog
from ..rng import rng
from .catalog_voices import voice_out
from .workspace_voices import voices_of

if TYPE_CHECKING:
    from ..state.store import WorkspaceState, World

__all__ = ["VisibleVoice", "VoiceFilters", "facets", "find_voice", "matching", "similar_to",
           "similarity", "sorted_voices", "speaks_any", "visible_voices"]

JSON = dict[str, Any]
# Sort keys and the direction a missing ``order`` entry takes (the SDK's defaults).
DEFAULT_ORDER = {"name": "asc", "created_at": "desc", "uses_count": "desc"}


@dataclass(frozen=True)
class VisibleVoice:
    body: JSON  # VoiceOut without short-lived links, is_favorite set
    sample_ms: int | None  # length of a workspace voice's own sample clip
    favorited_at: datetime | None

    @property
    def id(self) -> str:
        return str(self.body["id"])

    @property
    def owned(self) -> bool:
        return self.body.get("source") != "platform"

    @property
    def has_embedding(self) -> bool:
        """A broken import was never analysed: asking for its neighbours is a 503."""
        return not self.owned or self.sample_ms is not None


@dataclass(frozen=True)
class VoiceFilters:
    """The list's filters; an empty tuple filters nothing."""

    favorites_only: bool = False
    source: tuple[str, ...] = ()
    gender: tuple[str, ...] = ()
    age: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    accent: tuple[str, ...] = ()
    provider: tuple[str, ...] = ()
    model: tuple[str, ...] = ()
    language: tuple[str, ...] = ()
    search: str | None = None

    @classmethod
    def from_query(cls, query: dict[str, Any]) -> VoiceFilters:
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = query.get(f.name)
            if f.name == "favorites_only":
                values[f.name] = bool(value)
            elif f.name == "search":
                values[f.name] = value.strip().lower() if isinstance(value, str) and \
                    value.strip() else None
            elif value is not None:
                values[f.name] = tuple(str(v) for v in value)
        return cls(**values)

    def without(self, dimension: str) -> VoiceFilters:
        cleared: dict[str, Any] = {dimension: ()}
        return replace(self, **cleared)

    def accepts(self, voice: VisibleVoice) -> bool:
        body = voice.body
        if self.favorites_only and voice.favorited_at is None:
            return False
        if self.source and not any(_from_source(body, s) for s in self.source):
            return False
        for name in ("gender", "age", "category", "accent", "provider"):
            wanted = getattr(self, name)
            if wanted and body.get(name) not in wanted:
                return False
        models = body.get("supported_models")
        if self.model and models is not None and not set(models) & set(self.model):
            return False  # a voice declaring no models is general use: every model matches
        if self.language and not set(body.get("supported_languages") or ()) & set(self.language):
            return False
        return self.search is None or self.search in _search_text(body)


def _from_source(body: JSON, source: str) -> bool:
    if source == "workspace":
        return body.get("source") != "platform"
    return body.get("source") == source


def _search_text(body: JSON) -> str:
    return " ".join([str(body.get("name") or ""), *(body.get("tags") or ()),
                     str(body.get("description") or "")]).lower()


@lru_cache(maxsize=8)
def _catalog_bodies(catalog: Catalog, epoch: datetime) -> tuple[JSON, ...]:
    return tuple(voice_out(catalog, voice, epoch) for voice in catalog.voices)


def visible_voices(world: World, state: WorkspaceState) -> list[VisibleVoice]:
    """The catalog's voices, then the workspace's own, each with its favorite mark."""
    epoch = world.settings.dataset_epoch
    own = voices_of(world, state.info.id)
    seeded = {v.id: datetime.fromisoformat(str(v.body["created_at"]).replace("Z", "+00:00"))
              for v in own if v.body.get("is_favorite")}
    favorites = {**seeded, **state.favorite_changes}
    out = [_visible(body, None, favorites.get(str(body["id"])))
           for body in _catalog_bodies(world.catalog, epoch)]
    out += [_visible(v.body, v.sample_ms, favorites.get(v.id)) for v in own]
    return out


def _visible(body: JSON, sample_ms: int | None, favorited_at: datetime | None) -> VisibleVoice:
    return VisibleVoice({**body, "is_favorite": favorited_at is not None}, sample_ms,
                        favorited_at)


def find_voice(voices: Iterable[VisibleVoice], voice_id: str) -> VisibleVoice | None:
    wanted = voice_id.lower()
    return next((v for v in voices if v.id == wanted), None)


def matching(voices: Iterable[VisibleVoice], filters: VoiceFilters) -> list[VisibleVoice]:
    return [v for v in voices if filters.accepts(v)]


def sorted_voices(voices: list[VisibleVoice], sort: tuple[str, ...], order: tuple[str, ...],
                  favorites_only: bool) -> list[VisibleVoice]:
    """Multi-key order with per-key defaults; ties by ascending id.

    Without ``sort``: newest first, or most recently favorited first with ``favorites_only``.
    """
    result = sorted(voices, key=lambda v: v.id)
    if not sort:
        newest: Callable[[VisibleVoice], Any] = (
            (lambda v: v.favorited_at) if favorites_only else (lambda v: v.body["created_at"]))
        return sorted(result, key=newest, reverse=True)
    keys = [(key, order[i] if i < len(order) else DEFAULT_ORDER[key])
            for i, key in enumerate(sort)]
    for key, direction in reversed(keys):  # stable sorts, least significant key first
        result.sort(key=_sort_key(key), reverse=direction == "desc")
    return result


def _sort_key(key: str) -> Callable[[VisibleVoice], Any]:
    return lambda voice: _sort_value(voice.body, key)


def _sort_value(body: JSON, key: str) -> Any:
    value = body.get(key)
    if key == "name":
        return str(value or "").lower()
    if key == "uses_count":
        return value or 0
    return str(value)


# -- similar voices -----------------------------------------------------------------------

# How much each shared trait adds to a similarity score (they sum to 0.95; a small draw per
# pair spreads voices that share the same traits).
_TRAIT_WEIGHTS = (("gender", 0.30), ("age", 0.15), ("accent", 0.15), ("category", 0.10),
                  ("provider", 0.05))
_LANGUAGE_WEIGHT = 0.20


def similarity(a: VisibleVoice, b: VisibleVoice) -> float:
    """A score in [0, 1] that depends on the two voices alone (and is symmetric)."""
    score = sum(weight for name, weight in _TRAIT_WEIGHTS
                if a.body.get(name) is not None and a.body.get(name) == b.body.get(name))
    families_a, families_b = _families(a.body), _families(b.body)
    if families_a | families_b:
        score += _LANGUAGE_WEIGHT * len(families_a & families_b) / len(families_a | families_b)
    pair = "|".join(sorted((a.id, b.id)))
    score += rng(0, "voice-similarity", pair).uniform(0.0, 0.05)
    return round(min(max(score, 0.0), 1.0), 4)


def _families(body: JSON) -> set[str]:
    return {locale.split("-", 1)[0] for locale in body.get("supported_languages") or ()}


def speaks_any(voice: VisibleVoice, languages: tuple[str, ...]) -> bool:
    """Whether the voice declares one of these locales, or a locale of one of these bare
    families (``en`` matches ``en-gb``)."""
    declared = voice.body.get("supported_languages") or ()
    return any(locale == wanted or locale.split("-", 1)[0] == wanted
               for locale in declared for wanted in languages)


def similar_to(reference: VisibleVoice, voices: Iterable[VisibleVoice],
               languages: tuple[str, ...]) -> list[tuple[VisibleVoice, float]]:
    """Every other voice (speaking one of ``languages``, when given), most similar first,
    ties by id: so any shorter answer is the start of a longer one."""
    scored = [(voice, similarity(reference, voice)) for voice in voices
              if voice.id != reference.id and (not languages or speaks_any(voice, languages))]
    return sorted(scored, key=lambda pair: (-pair[1], pair[0].id))


# -- facets ---------------------------------------------------------------------------------

# dimension of VoiceFacetsOut -> the filter it counts
_DATA_DIMENSIONS = (("providers", "provider"), ("models", "model"), ("languages", "language"))
_ENUM_DIMENSIONS = (("genders", "gender"), ("ages", "age"), ("categories", "category"),
                    ("accents", "accent"))


def facets(voices: list[VisibleVoice], filters: VoiceFilters, catalog: Catalog,
           enums: dict[str, tuple[str, ...]]) -> JSON:
    """VoiceFacetsOut: each dimension counted under every other filter but its own.

    ``enums``: the full value list of each fixed dimension (genders, ages, ...), in order.
    """
    out: JSON = {}
    for dimension, name in _DATA_DIMENSIONS:
        counts = _counts(matching(voices, filters.without(name)), name)
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        out[dimension] = [{"value": value, "label": _label(catalog, dimension, value),
                           "count": count} for value, count in ranked if count > 0]
    for dimension, name in _ENUM_DIMENSIONS:
        counts = _counts(matching(voices, filters.without(name)), name)
        out[dimension] = [{"value": value, "label": None, "count": counts.get(value, 0)}
                          for value in enums.get(dimension, ())]
    return out


def _counts(voices: list[VisibleVoice], name: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for voice in voices:
        for value in _values(voice.body, name):
            counts[value] = counts.get(value, 0) + 1
    return counts


def _values(body: JSON, name: str) -> set[str]:
    if name == "model":
        return set(body.get("supported_models") or ())  # general-use voices count in no chip
    if name == "language":
        return set(body.get("supported_languages") or ())
    value = body.get(name)
    return {str(value)} if value is not None else set()


def _label(catalog: Catalog, dimension: str, value: str) -> str | None:
    if dimension == "providers":
        return next((p.display_name for p in catalog.providers if p.provider == value), value)
    if dimension == "models":
        return next((m.display_name for p in catalog.providers for m in p.models
                     if m.model == value), value)
    return None
