"""Small helpers shared by handlers: query parsing, windows, run views, links."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from typing import Any

from ..envelope import compact_json
from ..errors import Detail, ValidationFailed
from ..formats import parse_zoned_datetime
from ..validation_messages import value_error
from ..world.runs.record import RunRecord
from ..world.service.reads import Encoded, kept_read
from ..world.state.derived import EncodedRead
from ..world.state.links import Link
from ..world.state.store import WorkspaceState
from ..world.views.run_views import RunView
from .base import Reply, RequestContext


def zoned(value: Any) -> datetime | None:
    """A validated date-time query value (the spec already rejected naive ones)."""
    return parse_zoned_datetime(value) if isinstance(value, str) else None


def window(ctx: RequestContext, start_name: str, end_name: str) -> tuple[datetime | None,
                                                                          datetime | None]:
    start, end = zoned(ctx.query.get(start_name)), zoned(ctx.query.get(end_name))
    if start and end and start > end:
        raise ValidationFailed("Invalid time window",
                               [Detail(start_name, value_error(
                                   f"'{start_name}' must not be later than '{end_name}'"))])
    return start, end


def run_view(ctx: RequestContext, state: WorkspaceState, run: RunRecord) -> RunView:
    workflow = state.workflows[run.workflow_id]

    def audio_link(audio_id: str) -> Link:
        return ctx.world.links.make(ctx.base_url, ctx.now, kind="audio", ws=state.info.id,
                                    wf=run.workflow_id, run=run.id, audio=audio_id)

    return RunView(run, workflow, ctx.now, ctx.world.catalog, audio_link,
                   workspace_name=state.info.name)


def paged(ctx: RequestContext, items: Sequence[Any], *, counted: bool) -> tuple[list[Any],
                                                                           dict[str, Any]]:
    page = ctx.page()
    return list(items[page.offset : page.offset + page.limit]), page.pagination(len(items),
                                                                           counted=counted)


def kept_reply(ctx: RequestContext, state: WorkspaceState, depends_on: Hashable,
               build: Callable[[], tuple[Reply, bool]]) -> Reply:
    """The answer ``build`` makes (with whether it is steady), or the one kept from an
    earlier read that still holds (``world/service/reads.kept_read``). ``depends_on``:
    what the answer reads beyond the operation, its query and the request URL."""
    built: list[Reply] = []

    def encode() -> Encoded:
        reply, steady = build()
        built.append(reply)
        if not steady:
            return None, False
        try:
            return EncodedRead(compact_json(reply.data), reply.pagination, reply.headers), True
        except UnicodeEncodeError:  # sent as it is (the wire layer knows how), not kept
            return None, False

    key = (ctx.operation_id, ctx.query_items, ctx.path_url, depends_on)
    kept = kept_read(ctx.engine, state, key, ctx.now, encode)
    if kept is None:
        return built[0]
    return Reply(None, pagination=kept.pagination, headers=dict(kept.headers),
                 data_json=kept.data_json)
