"""Catalog voices: ``GET /api/v1/voices/{voice_id}``.

Voices are catalog-wide (the same in every workspace), but the operation still goes through
the usual key scope, role and workspace checks before it gets here.
"""

from __future__ import annotations

from ..errors import NotFound
from ..world.views.voice_views import find_catalog_voice, voice_out
from .base import Handler, Reply, RequestContext


def get_voice(ctx: RequestContext) -> Reply:
    catalog = ctx.world.catalog
    voice = find_catalog_voice(catalog, str(ctx.path["voice_id"]))
    if voice is None:
        raise NotFound("Voice not found")
    return Reply(voice_out(catalog, voice, ctx.settings.dataset_epoch))


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "get_voice": get_voice,
}
