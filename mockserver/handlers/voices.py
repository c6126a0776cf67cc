"""Voices: list, facets, one voice, similar voices, a preview clip, favorites.

Catalog voices are the same in every workspace; a workspace's own voices (recorded,
uploaded, imported) are found only from that workspace. Every operation reads the one
population of ``world/dataset/voice_population``, so favorites and counts agree everywhere.
"""

from __future__ import annotations

from typing import Any

from ..errors import NotFound, ServiceUnavailable
from ..world.dataset.voice_population import (
    VisibleVoice,
    VoiceFilters,
    facets,
    find_voice,
    matching,
    similar_to,
    sorted_voices,
    visible_voices,
)
from ..world.service import voices as voice_service
from ..world.state.store import WorkspaceState
from .base import Handler, Reply, RequestContext
from .common import paged

JSON = dict[str, Any]
PREVIEW_TTL_SECONDS = 3600  # "valid for 1 hour", as the SDK documents sample links
SIMILAR_RETRY_AFTER = 30  # seconds: when an unanalysed voice is worth asking about again


def sample_link(ctx: RequestContext, state: WorkspaceState, voice: VisibleVoice,
                 locale: str) -> str:
    return ctx.world.links.make_for(
        PREVIEW_TTL_SECONDS, ctx.base_url, ctx.now, kind="voice-sample",
        ws=state.info.id, voice=voice.id, locale=locale, ms=str(clip_ms(voice))).url


def clip_ms(voice: VisibleVoice) -> int:
    """A preview clip's length: the workspace voice's own sample, else drawn from the id."""
    return voice.sample_ms or 3000 + int(voice.id[:4], 16) % 5000


def voice_body(ctx: RequestContext, state: WorkspaceState, voice: VisibleVoice,
               languages: tuple[str, ...] = ()) -> JSON:
    """VoiceOut with its short-lived links: the own sample, and the clip in a requested
    language when the voice has one."""
    body = dict(voice.body)
    if voice.owned and voice.sample_ms is not None:
        previews = body.get("preview_locales") or []
        body["sample_url"] = sample_link(ctx, state, voice, previews[0] if previews else "")
    locale = next((loc for loc in body.get("preview_locales") or ()
                   if loc in languages or loc.split("-", 1)[0] in languages), None)
    if locale is not None:
        body["language_sample_url"] = sample_link(ctx, state, voice, locale)
        body["language_sample_locale"] = locale
    return body


def list_voices(ctx: RequestContext) -> Reply:
    # A provider or model the catalog lacks simply matches no voice (an empty page).
    filters = VoiceFilters.from_query(ctx.query)
    state = ctx.workspace()
    with state.lock:
        voices = matching(visible_voices(ctx.world, state), filters)
    ordered = sorted_voices(voices, tuple(ctx.query.get("sort", ())),
                            tuple(ctx.query.get("order", ())), filters.favorites_only)
    page, pagination = paged(ctx, ordered, counted=True)
    return Reply([voice_body(ctx, state, v, filters.language) for v in page],
                 pagination=pagination)


def get_voice_facets(ctx: RequestContext) -> Reply:
    filters = VoiceFilters.from_query(ctx.query)
    state = ctx.workspace()
    with state.lock:
        voices = visible_voices(ctx.world, state)
    vocabulary = ctx.world.fixture_rules.voices if ctx.world.fixture_rules else None
    enums = {} if vocabulary is None else {
        "genders": vocabulary.genders, "ages": vocabulary.ages,
        "categories": vocabulary.categories, "accents": vocabulary.accents}
    return Reply(facets(voices, filters, ctx.world.catalog, enums))


def visible_voice(ctx: RequestContext, state: WorkspaceState) -> VisibleVoice:
    """The path's voice as this workspace sees it; 404 for unknown and retired voices."""
    with state.lock:
        voice = find_voice(visible_voices(ctx.world, state), str(ctx.path["voice_id"]))
    if voice is None:
        raise NotFound("Voice not found")
    return voice


def get_voice(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    return Reply(voice_body(ctx, state, visible_voice(ctx, state)))


def favorite_voice(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    voice_service.favorite_voice(ctx.engine, state.info.id, str(ctx.path["voice_id"]), ctx.now)
    return Reply(voice_body(ctx, state, visible_voice(ctx, state)))


def unfavorite_voice(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    voice_service.unfavorite_voice(ctx.engine, state.info.id, str(ctx.path["voice_id"]),
                                   ctx.now)
    return Reply({})


def similar_voices(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    reference = visible_voice(ctx, state)
    if not reference.has_embedding:
        raise ServiceUnavailable("This voice has not been analysed yet; try again later",
                                 SIMILAR_RETRY_AFTER)
    with state.lock:
        voices = visible_voices(ctx.world, state)
    limit = int(ctx.query.get("limit", 10))
    languages = tuple(ctx.query.get("language", ()))
    ranked = similar_to(reference, voices, languages)[:limit]
    rows = [{**voice_body(ctx, state, voice, languages), "similarity_score": score}
            for voice, score in ranked]
    return Reply(rows, pagination={"next": None, "prev": None, "limit": limit})


def preview_voice(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    voice = visible_voice(ctx, state)
    wanted = str(ctx.query["language"])
    previews = voice.body.get("preview_locales") or []
    locale = next((loc for loc in previews
                   if loc == wanted or loc.split("-", 1)[0] == wanted), None)
    if locale is None:
        raise NotFound(f"No preview of this voice in {wanted}")
    models = voice.body.get("supported_models") or []
    preferred = ctx.query.get("model")
    model = preferred if preferred in models else (models[0] if models else "default")
    return Reply({"name": voice.body["name"], "locale": locale, "model": model,
                  "sample_url": sample_link(ctx, state, voice, locale),
                  "content_type": "audio/wav"})


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "list_voices": list_voices,
    "get_voice_facets": get_voice_facets,
    "get_voice": get_voice,
    "favorite_voice": favorite_voice,
    "unfavorite_voice": unfavorite_voice,
    "similar_voices": similar_voices,
    "preview_voice": preview_voice,
}
