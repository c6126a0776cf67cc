"""The ``/__mock/*`` control surface (described by admin-openapi.yaml).

Outside the Onepin contract: health, reset, clock, request journal, run-time fixtures,
state export, session tokens, forcing runs, throwaway workspaces, run-time faults, the
console page, and the signed files the API links to (which stay on without the rest).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from ..control.console_assets import asset, console_page
from ..envelope import iso
from ..errors import Detail, Forbidden, LinkError, NotFound, ValidationFailed
from ..formats import parse_zoned_datetime
from ..session_tokens import mint_session_token
from ..world.events.files import events_document
from ..world.service import billing, control
from ..world.state.ledger import read_ledger
from ..world.views.exports import export_file
from ..world.views.run_picker import recent_runs
from ..world.views.state_export import Page, export_state
from .base import Handler, Reply, RequestContext
from .common import run_view
from .journal_query import journal_filter

# The clock stays within years every client library can represent.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def mock_health(ctx: RequestContext) -> Reply:
    return Reply({"status": "ok"})


def mock_reset(ctx: RequestContext) -> Reply:
    workspace_id = (ctx.body or {}).get("workspace_id")
    control.reset(ctx.engine, workspace_id)
    return Reply({"reset": workspace_id or "all"})


def _clock_out(ctx: RequestContext) -> dict[str, Any]:
    clock = ctx.world.clock
    return {"now": iso(clock.now()), "frozen": clock.frozen, "run_speed": ctx.settings.run_speed}


def mock_clock_get(ctx: RequestContext) -> Reply:
    return Reply(_clock_out(ctx))


def mock_clock_set(ctx: RequestContext) -> Reply:
    body, clock = ctx.body, ctx.world.clock
    if "advance_seconds" in body:
        try:
            target = clock.now() + timedelta(seconds=body["advance_seconds"])
        except OverflowError:
            target = LATEST
        _within_range("advance_seconds", target)
        control.set_clock(ctx.engine, advance_seconds=float(body["advance_seconds"]))
    elif "freeze_at" in body:
        instant = parse_zoned_datetime(body["freeze_at"])
        _within_range("freeze_at", instant)
        if body.get("reset"):  # the explicit way back in time: forget every change first
            control.reset(ctx.engine)
        control.set_clock(ctx.engine, frozen_at=instant)
    else:
        control.set_clock(ctx.engine, real_time=True)
    return Reply(_clock_out(ctx))


def _within_range(field: str, instant: datetime) -> None:
    try:
        inside = EARLIEST <= instant.astimezone(UTC) < LATEST
    except OverflowError:
        inside = False
    if not inside:
        raise ValidationFailed("The clock cannot go there",
                               [Detail(field, "the clock must stay between 1970 and 9000")])


def mock_requests_list(ctx: RequestContext) -> Reply:
    entries = ctx.journal.find(journal_filter(ctx.query), int(ctx.query.get("limit", 100)))
    return Reply([entry.to_wire() for entry in entries])


def mock_console(ctx: RequestContext) -> Reply:
    """The console is a static page: it holds no data, so it needs no admin token."""
    return Reply(None, body_bytes=console_page(), content_type="text/html; charset=utf-8",
                 headers={"Cache-Control": "no-cache"})


def mock_console_asset(ctx: RequestContext) -> Reply:
    found = asset(ctx.path["asset"])
    if found is None:
        raise NotFound("No such console file")
    content, content_type = found
    return Reply(None, body_bytes=content, content_type=content_type,
                 headers={"Cache-Control": "no-cache"})


def mock_faults_get(ctx: RequestContext) -> Reply:
    assert ctx.faults is not None
    return Reply(ctx.faults.plan.to_wire())


def mock_faults_set(ctx: RequestContext) -> Reply:
    assert ctx.faults is not None
    control.set_faults(ctx.engine, dict(ctx.body))
    return Reply(ctx.faults.plan.to_wire())


def mock_requests_clear(ctx: RequestContext) -> Reply:
    return Reply({"deleted": ctx.journal.clear()})


def mock_coverage(ctx: RequestContext) -> Reply:
    return Reply(ctx.journal.coverage.report(ctx.query.get("workspace_id")))


def mock_coverage_clear(ctx: RequestContext) -> Reply:
    ctx.journal.coverage.clear()
    return Reply({})


def mock_fixtures_load(ctx: RequestContext) -> Reply:
    # Parse the text as sent (JSON is YAML), so reported line numbers are the client's.
    return Reply(control.load_fixtures(ctx.engine, ctx.inputs.raw_text, "request body"))


def mock_state_export(ctx: RequestContext) -> Reply:
    workspace_id = ctx.query.get("workspace_id")
    if workspace_id is not None and not ctx.world.known_workspace(workspace_id):
        raise NotFound("Unknown workspace")
    count, cap = len(ctx.world.fixtures.workspaces), ctx.settings.max_export_workspaces
    if workspace_id is None and count > cap:
        raise ValidationFailed(
            f"{count} workspaces are too many to export at once (the limit is {cap})",
            [Detail("workspace_id", "export one workspace at a time")])
    limit = ctx.query.get("limit")
    page = None if limit is None else Page(int(ctx.query.get("offset", 0)), int(limit))
    text, total = export_state(ctx.world, workspace_id, ctx.now, page)
    headers = {"X-Total-Count": str(total)}
    if page is not None and page.offset + page.limit < total:
        query = urlencode({**({"workspace_id": workspace_id} if workspace_id else {}),
                           "limit": page.limit, "offset": page.offset + page.limit})
        headers["Link"] = f'<{ctx.path_url}?{query}>; rel="next"'
    return Reply(None, body_bytes=text.encode(), content_type="application/yaml",
                 headers=headers)


def mock_events(ctx: RequestContext) -> Reply:
    after = int(ctx.query.get("after", 0))
    document = events_document(ctx.engine.events())
    document["events"] = [e for e in document["events"] if e["seq"] > after]
    return Reply(document)


def mock_tokens(ctx: RequestContext) -> Reply:
    user_id = ctx.body["user_id"]
    if user_id not in ctx.world.fixtures.users:
        raise NotFound("Unknown user")
    ttl = int(ctx.body.get("ttl_seconds", ctx.settings.jwt_ttl_seconds))
    token = mint_session_token(ctx.settings.jwt_secret, user_id, ctx.now, ttl)
    return Reply({"token": token, "expires_at": iso(ctx.now + timedelta(seconds=ttl))})


def mock_workspaces_create(ctx: RequestContext) -> Reply:
    return Reply(control.create_workspace(ctx.engine, ctx.body or {}))


def mock_workspace_billing_set(ctx: RequestContext) -> Reply:
    billing.set_billing(ctx.engine, ctx.path["workspace_id"], ctx.body, ctx.now)
    return mock_workspace_billing_get(ctx)


def mock_workspace_billing_get(ctx: RequestContext) -> Reply:
    workspace_id = ctx.path["workspace_id"]
    if not ctx.world.known_workspace(workspace_id):
        raise NotFound("Unknown workspace")
    state = ctx.world.workspace(workspace_id)
    with state.lock:
        balance = read_ledger(state, ctx.now).balance
    return Reply({"workspace_id": workspace_id, "plan": state.info.plan,
                  "credit_balance": balance,
                  "concurrent_run_limit": state.info.concurrent_run_limit})


def mock_runs_recent(ctx: RequestContext) -> Reply:
    return Reply(recent_runs(ctx.world, ctx.now, limit=int(ctx.query.get("limit", 60)),
                             per_workflow=int(ctx.query.get("per_workflow", 5)),
                             workspace_id=ctx.query.get("workspace_id")))


def mock_run_force(ctx: RequestContext) -> Reply:
    state, run = control.force_run(ctx.engine, ctx.path["run_id"], ctx.body, ctx.now)
    return Reply(run_view(ctx, state, run).out())


def mock_file(ctx: RequestContext) -> Reply:
    """Serve a signed download or playback link; no auth, like a presigned URL.

    Audio plays in the page (inline); archives and uploads download (attachment). HEAD
    gets the same headers; the server leaves the body out.
    """
    try:
        claims = ctx.world.links.read(ctx.path["token"], ctx.now)
        served = export_file(ctx.world, claims)
    except LinkError as exc:
        raise Forbidden(f"This link is invalid or has expired ({exc})") from exc
    disposition = "inline" if served.content_type.startswith("audio/") else "attachment"
    return Reply(None, body_bytes=served.content, content_type=served.content_type,
                 byte_ranges=True,
                 headers={"Content-Disposition": f'{disposition}; filename="{served.filename}"',
                          "Cache-Control": "no-store"})


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "mock_health": mock_health,
    "mock_reset": mock_reset,
    "mock_clock_get": mock_clock_get,
    "mock_clock_set": mock_clock_set,
    "mock_requests_list": mock_requests_list,
    "mock_requests_page": mock_console,
    "mock_console": mock_console,
    "mock_console_asset": mock_console_asset,
    "mock_faults_get": mock_faults_get,
    "mock_faults_set": mock_faults_set,
    "mock_requests_clear": mock_requests_clear,
    "mock_coverage": mock_coverage,
    "mock_coverage_clear": mock_coverage_clear,
    "mock_fixtures_load": mock_fixtures_load,
    "mock_state_export": mock_state_export,
    "mock_events": mock_events,
    "mock_tokens": mock_tokens,
    "mock_workspaces_create": mock_workspaces_create,
    "mock_workspace_billing_get": mock_workspace_billing_get,
    "mock_workspace_billing_set": mock_workspace_billing_set,
    "mock_runs_recent": mock_runs_recent,
    "mock_run_force": mock_run_force,
    "mock_file": mock_file,
    "mock_file_head": mock_file,
}
