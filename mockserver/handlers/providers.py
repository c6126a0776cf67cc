"""Providers: the catalog's TTS providers, their models and each model's platform voices."""

from __future__ import annotations

from ..world.dataset.voice_population import find_voice, visible_voices
from ..world.views.provider_views import (
    catalog_voice_out,
    find_model,
    find_provider,
    model_out,
    model_voices,
    provider_out,
)
from .base import Handler, Reply, RequestContext
from .common import paged
from .voices import sample_link


def _whole_list(count: int) -> dict[str, object]:
    """Pagination of a list served whole (no offset or limit to take)."""
    return {"next": None, "prev": None, "limit": max(count, 1)}


def list_catalog_providers(ctx: RequestContext) -> Reply:
    ctx.workspace()
    rows = [provider_out(ctx.base_url, p) for p in ctx.world.catalog.providers]
    return Reply(rows, pagination=_whole_list(len(rows)))


def get_catalog_provider(ctx: RequestContext) -> Reply:
    ctx.workspace()
    return Reply(provider_out(ctx.base_url, find_provider(ctx.world.catalog,
                                                          str(ctx.path["provider"]))))


def list_catalog_provider_models(ctx: RequestContext) -> Reply:
    ctx.workspace()
    catalog = ctx.world.catalog
    provider = find_provider(catalog, str(ctx.path["provider"]))
    rows = [model_out(ctx.base_url, catalog, provider, m) for m in provider.models]
    return Reply(rows, pagination=_whole_list(len(rows)))


def get_catalog_provider_model(ctx: RequestContext) -> Reply:
    ctx.workspace()
    catalog = ctx.world.catalog
    provider, model = find_model(catalog, str(ctx.path["provider"]), str(ctx.path["model"]))
    return Reply(model_out(ctx.base_url, catalog, provider, model))


def list_catalog_provider_model_voices(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    catalog = ctx.world.catalog
    provider, model = find_model(catalog, str(ctx.path["provider"]), str(ctx.path["model"]))
    page, pagination = paged(ctx, model_voices(catalog, provider, model), counted=True)
    with state.lock:
        visible = visible_voices(ctx.world, state)
    rows = []
    for voice in page:
        seen = find_voice(visible, voice.id)
        assert seen is not None, "every catalog voice is visible"
        previews = seen.body.get("preview_locales") or []
        link = sample_link(ctx, state, seen, previews[0]) if previews else None
        rows.append(catalog_voice_out(seen, link))
    return Reply(rows, pagination=pagination)


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "list_catalog_providers": list_catalog_providers,
    "get_catalog_provider": get_catalog_provider,
    "list_catalog_provider_models": list_catalog_provider_models,
    "get_catalog_provider_model": get_catalog_provider_model,
    "list_catalog_provider_model_voices": list_catalog_provider_model_voices,
}
