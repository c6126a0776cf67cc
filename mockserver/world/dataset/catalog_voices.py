"""Catalog voices in the API's ``VoiceOut`` wire shape (``GET /api/v1/voices/{voice_id}``).

Voices belong to the node catalog, not to a workspace, so the same id reads the same way
from every workspace and for every seed. Fields the catalog does not hold (age, category,
colour, usage count, dates) are drawn from a stream keyed by the voice id alone, and the
dates count back from ``Settings.dataset_epoch``, so a body never depends on "now".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ...envelope import iso, truncate_ms
from ..catalog.catalog import Catalog
from ..catalog.catalog_types import Voice
from ..rng import rng

__all__ = ["find_catalog_voice", "preview_locales", "voice_out"]

JSON = dict[str, Any]

# The catalog is the same for every seed, so its voices draw from a seed of their own.
_CATALOG_SEED = 0
_AGES = ("young", "middle_aged", "old")
_CATEGORIES = ("news", "narration", "story", "podcast", "conversational", "social_media",
               "educational", "business")
# Accent a voice is classified with, from the first locale it declares.
_ACCENTS = {
    "en-us": "american", "en-gb": "british", "en-au": "australian", "en-in": "indian",
    "de-de": "german", "fr-fr": "french", "es-es": "spanish", "es-mx": "latin_american",
    "it-it": "italian", "pt-br": "portuguese", "pt-pt": "portuguese", "ja-jp": "japanese",
    "ko-kr": "korean", "zh-cn": "chinese", "th-th": "thai", "vi-vn": "vietnamese",
}


def find_catalog_voice(catalog: Catalog, voice_id: str) -> Voice | None:
    """The catalog voice whose catalog id (not the provider's id) is ``voice_id``."""
    wanted = voice_id.lower()
    return next((v for v in catalog.voices if v.id.lower() == wanted), None)


def voice_out(catalog: Catalog, voice: Voice, epoch: datetime) -> JSON:
    """VoiceOut of one platform voice: every model covers every locale the voice declares."""
    r = rng(_CATALOG_SEED, "catalog-voice", voice.id)
    created = truncate_ms(epoch - timedelta(days=r.uniform(200, 400)))
    updated = truncate_ms(epoch - timedelta(days=r.uniform(1, 60)))
    locales = list(voice.locales)
    return {
        "id": voice.id,
        "name": voice.name,
        "provider": voice.provider,
        "provider_voice_id": voice.provider_voice_id,
        "description": _description(catalog, voice),
        "is_active": True,
        "gender": voice.gender,
        "accent": _ACCENTS.get(locales[0]) if locales else None,
        "age": r.choice(_AGES),
        "category": r.choice(_CATEGORIES),
        "color": f"#{r.randrange(0x1000000):06x}",
        "tags": _tags(voice),
        "uses_count": r.randrange(50, 50_000),
        "user_id": None,
        "source": "platform",
        "availability": None,
        "unavailable_reason": None,
        "duration_seconds": None,
        "sample_url": None,
        "language_sample_url": None,
        "language_sample_locale": None,
        "supported_languages": locales,
        "preview_locales": preview_locales(voice),
        "supported_models": list(voice.models),
        "model_capabilities": [
            {"model": model, "languages_known": True, "supported_languages": list(locales)}
            for model in voice.models
        ],
        "is_favorite": False,
        "created_at": iso(created),
        "updated_at": iso(max(updated, created)),
    }


def preview_locales(voice: Voice) -> list[str]:
    """Locales a clip was made in: most of a voice's locales, not every one (a preview of
    the others is a 404, as for a voice the platform has not yet sampled there)."""
    r = rng(_CATALOG_SEED, "catalog-voice-preview", voice.id)
    return [locale for locale in voice.locales if r.random() < 0.75]


def _provider_name(catalog: Catalog, provider: str) -> str:
    return next((p.display_name for p in catalog.providers if p.provider == provider), provider)


def _description(catalog: Catalog, voice: Voice) -> str:
    languages = ", ".join(catalog.locale_name(loc) for loc in voice.locales)
    models = ", ".join(
        spec.display_name if (spec := catalog.model(voice.provider, m)) else m
        for m in voice.models
    )
    who = f"{voice.gender.capitalize()} voice" if voice.gender else "Voice"
    return (f"{who} from {_provider_name(catalog, voice.provider)} speaking {languages}; "
            f"models: {models}.")


def _tags(voice: Voice) -> list[str]:
    families = dict.fromkeys(loc.split("-", 1)[0] for loc in voice.locales)
    extra = ["multilingual"] if len(families) > 1 else []
    gender = [voice.gender] if voice.gender else []
    return [*gender, voice.provider, *families, *extra]
