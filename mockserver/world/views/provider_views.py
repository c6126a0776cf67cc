"""The catalog's providers and models in the API's wire shapes (``/api/v1/providers/...``).

All from the one node catalog: a model's ``voice_count`` is the number of platform voices
that declare it, which is exactly what its voice list pages through, and every voice listed
there is one ``GET /voices/{id}`` reads.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ...errors import NotFound
from ..catalog.catalog import Catalog
from ..catalog.catalog_types import ModelSpec, Provider, Voice
from ..dataset.voice_population import VisibleVoice

__all__ = ["catalog_voice_out", "find_model", "find_provider", "model_out", "model_voices",
           "provider_out"]

JSON = dict[str, Any]
_PREFIX = "/api/v1/providers"
# Voices made for expressive reads offer a choice of delivery; the rest read one way.
_EXPRESSIVE = ("story", "conversational", "podcast", "social_media")
_EMOTIONS = ("neutral", "cheerful", "serious")


def find_provider(catalog: Catalog, provider: str) -> Provider:
    found = next((p for p in catalog.providers if p.provider == provider), None)
    if found is None:
        raise NotFound("Provider not found")
    return found


def find_model(catalog: Catalog, provider: str, model: str) -> tuple[Provider, ModelSpec]:
    owner = find_provider(catalog, provider)
    found = next((m for m in owner.models if m.model == model), None)
    if found is None:
        raise NotFound("Model not found")
    return owner, found


def model_voices(catalog: Catalog, provider: Provider, model: ModelSpec) -> list[Voice]:
    """Platform voices of the provider that declare the model, by name then id."""
    voices = [v for v in catalog.voices
              if v.provider == provider.provider and model.model in v.models]
    return sorted(voices, key=lambda v: (v.name.lower(), v.id))


def provider_out(base_url: str, provider: Provider) -> JSON:
    href = f"{base_url}{_PREFIX}/{quote(provider.provider, safe='')}/models"
    return {"provider": provider.provider, "display_name": provider.display_name,
            "kind": "tts", "model_count": len(provider.models), "beta": False,
            "links": {"models": {"href": href, "method": "GET"}}}


def model_out(base_url: str, catalog: Catalog, provider: Provider, model: ModelSpec) -> JSON:
    href = (f"{base_url}{_PREFIX}/{quote(provider.provider, safe='')}/models/"
            f"{quote(model.model, safe='')}/voices")
    settings = dict(model.config_schema or {})
    return {"model": model.model, "display_name": model.display_name,
            "content_type": "audio/wav", "config_schema": settings or None,
            "controls": {name: dict(fragment) for name, fragment in settings.items()},
            "voice_count": len(model_voices(catalog, provider, model)), "beta": False,
            "links": {"voices": {"href": href, "method": "GET"}}}


def catalog_voice_out(voice: VisibleVoice, preview_url: str | None) -> JSON:
    """CatalogVoiceOut: the lean row of a model's voice list (provider and model are in the
    path); ``preview_url`` links the voice's first clip."""
    body = voice.body
    return {
        "id": voice.id, "provider_voice_id": body["provider_voice_id"], "name": body["name"],
        "gender": body.get("gender"), "age": body.get("age"), "accent": body.get("accent"),
        "supported_languages": body.get("supported_languages"), "preview_url": preview_url,
        "emotion_options": list(_EMOTIONS) if body.get("category") in _EXPRESSIVE else None,
    }
