"""Small helpers shared by handlers: query parsing, windows, run views, links."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..errors import Detail, ValidationFailed
from ..formats import parse_zoned_datetime
from ..validation_messages import value_error
from ..world.runs.record import RunRecord
from ..world.state.links import Link
from ..world.state.store import WorkspaceState
from ..world.views.run_views import RunView
from .base import RequestContext


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
