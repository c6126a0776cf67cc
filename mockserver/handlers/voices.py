"""Voices: ``GET /api/v1/voices/{voice_id}``.

Catalog voices are the same in every workspace; a workspace's own voices (recorded,
uploaded, imported) are found only from that workspace. Either way the operation goes
through the usual key scope, role and workspace checks before it gets here.
"""

from __future__ import annotations

from ..errors import NotFound
from ..world.views.voice_views import find_catalog_voice, voice_out
from ..world.views.workspace_voices import voices_of
from .base import Handler, Reply, RequestContext


def get_voice(ctx: RequestContext) -> Reply:
    catalog = ctx.world.catalog
    voice_id = str(ctx.path["voice_id"])
    voice = find_catalog_voice(catalog, voice_id)
    if voice is not None:
        return Reply(voice_out(catalog, voice, ctx.settings.dataset_epoch))
    state = ctx.workspace()
    wanted = voice_id.lower()
    for own in voices_of(ctx.world, state.info.id):
        if own.id == wanted:
            body = dict(own.body)
            if own.sample_ms is not None:
                body["sample_url"] = ctx.world.links.make(
                    ctx.base_url, ctx.now, kind="voice-sample", ws=state.info.id, voice=own.id,
                    ms=str(own.sample_ms)).url
            return Reply(body)
    raise NotFound("Voice not found")


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "get_voice": get_voice,
}
