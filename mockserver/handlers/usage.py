"""``/usage/summary``, ``/usage/by-language`` and ``/usage/activity``: the workspace's usage,
folded from its runs at the request's instant (world/views/usage_views.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import Detail, NotFound, ValidationFailed
from ..validation_messages import value_error
from ..world.state.ledger import read_ledger
from ..world.state.store import WorkspaceState
from ..world.views.account_views import usage_credits_out
from ..world.views.usage_views import (
    Bucket,
    FeedEntry,
    RunUsage,
    decode_cursor,
    encode_cursor,
    event_entries,
    feed_page,
    range_window,
    run_entries,
    run_usage,
    usage_by_language,
    usage_summary,
)
from .base import Handler, Reply, RequestContext


def _zone(ctx: RequestContext) -> tuple[ZoneInfo, str]:
    name = str(ctx.query.get("timezone") or "UTC")
    try:
        return ZoneInfo(name), name
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed("Unknown timezone", [Detail("timezone", value_error(
            f"{name!r} is not an IANA timezone name"))]) from exc


def _usages(ctx: RequestContext, state: WorkspaceState) -> list[RunUsage]:
    return [run_usage(run, ctx.now) for run in state.runs.values()]


def summary(ctx: RequestContext) -> Reply:
    zone, zone_name = _zone(ctx)
    state = ctx.workspace()
    assert ctx.principal is not None  # the operation is authenticated
    with state.lock:
        usages = _usages(ctx, state)
        credits = usage_credits_out(read_ledger(state, ctx.now), ctx.settings.dataset_epoch,
                                    ctx.now, ctx.principal.user_id)
    return Reply(usage_summary(usages, range_name=str(ctx.query.get("range") or "30d"),
                               view=str(ctx.query.get("activity_view") or "daily"),
                               zone=zone, timezone_name=zone_name, now=ctx.now,
                               credits=credits))


def by_language(ctx: RequestContext) -> Reply:
    zone, zone_name = _zone(ctx)
    state = ctx.workspace()
    with state.lock:
        usages = _usages(ctx, state)
    return Reply(usage_by_language(usages, ctx.world.catalog, range_name=ctx.query.get("range"),
                                   view=ctx.query.get("activity_view"), zone=zone,
                                   timezone_name=zone_name, now=ctx.now))


def _feed(ctx: RequestContext, state: WorkspaceState, window: Bucket) -> list[FeedEntry]:
    seed, fixtures = ctx.settings.seed, ctx.world.fixtures
    with state.lock:
        usages = _usages(ctx, state)
        names = {w.id: w.name for w in state.workflows.values()}
        records = list(state.activity)
    entries = run_entries(seed, usages, names, fixtures) + event_entries(seed, records, fixtures)
    return [e for e in entries if window.holds(e.at)]


def activity(ctx: RequestContext) -> Reply:
    zone, _name = _zone(ctx)
    state = ctx.workspace()
    user_id = ctx.query.get("user_id")
    if user_id is not None and ctx.world.role_of(state.info.id, user_id) is None:
        raise NotFound("No such member of this workspace")
    cursor = ctx.query.get("cursor")
    after = decode_cursor(cursor) if cursor else None
    if cursor and after is None:
        raise ValidationFailed("Invalid cursor", [Detail("cursor", value_error(
            "not a cursor this server returned"))])
    days = range_window(str(ctx.query.get("range") or "30d"), zone, ctx.now)
    entries = [e for e in _feed(ctx, state, Bucket("", days[0].start, days[-1].end))
               if _matches(e.body, ctx.query.get("type"), user_id)]
    limit = int(ctx.query.get("limit", 20))
    page, last = feed_page(entries, after, limit)
    next_cursor = encode_cursor(last) if last is not None else None
    return Reply([e.body for e in page], pagination={
        "next": _next_url(ctx, next_cursor) if next_cursor else None, "prev": None,
        "limit": limit, "cursor": next_cursor})


def _matches(body: dict[str, Any], action: str | None, user_id: str | None) -> bool:
    if action is not None and body["action"] != action:
        return False
    return user_id is None or (body["user"] or {}).get("id") == user_id


def _next_url(ctx: RequestContext, cursor: str) -> str:
    kept = [(k, v) for k, v in ctx.query_items if k != "cursor"]
    return f"{ctx.path_url}?{urlencode([*kept, ('cursor', cursor)])}"


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "usage_summary": summary,
    "usage_by_language": by_language,
    "usage_activity": activity,
}
