"""The ``/__mock/*`` control surface (described by admin-openapi.yaml).

Outside the Onepin contract: health, reset, clock, request journal, run-time fixtures,
state export, session tokens, forcing runs, throwaway workspaces, run-time faults, the
console page, and the signed files the API links to (which stay on without the rest).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from ..auth import mint_session_token
from ..control.console_assets import asset, console_page
from ..envelope import iso
from ..errors import Detail, Forbidden, NotFound, ValidationFailed
from ..formats import parse_zoned_datetime
from ..world.state.fixtures import FixtureError, parse_fixtures
from ..world.state.links import LinkError
from ..world.state.state_export import export_state
from ..world.state.workspaces import create_workspace, force_run
from ..world.views.exports import export_file
from .base import Reply, RequestContext, operation
from .common import run_view
from .journal_query import journal_filter

# The clock stays within years every client library can represent.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


@operation("mock_health")
def mock_health(ctx: RequestContext) -> Reply:
    return Reply({"status": "ok"})


@operation("mock_reset")
def mock_reset(ctx: RequestContext) -> Reply:
    workspace_id = (ctx.body or {}).get("workspace_id")
    if workspace_id is not None and not ctx.world.known_workspace(workspace_id):
        raise NotFound("Unknown workspace")
    ctx.world.reset(workspace_id)
    if workspace_id is None and ctx.faults is not None:
        ctx.faults.restore()  # "everything" includes faults changed at run time
    return Reply({"reset": workspace_id or "all"})


def _clock_out(ctx: RequestContext) -> dict[str, Any]:
    clock = ctx.world.clock
    return {"now": iso(clock.now()), "frozen": clock.frozen, "run_speed": ctx.settings.run_speed}


@operation("mock_clock_get")
def mock_clock_get(ctx: RequestContext) -> Reply:
    return Reply(_clock_out(ctx))


@operation("mock_clock_set")
def mock_clock_set(ctx: RequestContext) -> Reply:
    body, clock = ctx.body, ctx.world.clock
    if "advance_seconds" in body:
        try:
            target = clock.now() + timedelta(seconds=body["advance_seconds"])
        except OverflowError:
            target = LATEST
        _within_range("advance_seconds", target)
        clock.advance(float(body["advance_seconds"]))
    elif "freeze_at" in body:
        instant = parse_zoned_datetime(body["freeze_at"])
        _within_range("freeze_at", instant)
        clock.freeze_at(instant.astimezone(UTC))
    else:
        clock.follow_real_time()
    return Reply(_clock_out(ctx))


def _within_range(field: str, instant: datetime) -> None:
    try:
        inside = EARLIEST <= instant.astimezone(UTC) < LATEST
    except OverflowError:
        inside = False
    if not inside:
        raise ValidationFailed("The clock cannot go there",
                               [Detail(field, "the clock must stay between 1970 and 9000")])


@operation("mock_requests_list")
def mock_requests_list(ctx: RequestContext) -> Reply:
    entries = ctx.world.journal.find(journal_filter(ctx.query), int(ctx.query.get("limit", 100)))
    return Reply([entry.to_wire() for entry in entries])


@operation("mock_console")
@operation("mock_requests_page")
def mock_console(ctx: RequestContext) -> Reply:
    """The console is a static page: it holds no data, so it needs no admin token."""
    return Reply(None, body_bytes=console_page(), content_type="text/html; charset=utf-8",
                 headers={"Cache-Control": "no-cache"})


@operation("mock_console_asset")
def mock_console_asset(ctx: RequestContext) -> Reply:
    found = asset(ctx.path["asset"])
    if found is None:
        raise NotFound("No such console file")
    content, content_type = found
    return Reply(None, body_bytes=content, content_type=content_type,
                 headers={"Cache-Control": "no-cache"})


@operation("mock_faults_get")
def mock_faults_get(ctx: RequestContext) -> Reply:
    assert ctx.faults is not None
    return Reply(ctx.faults.plan.to_wire())


@operation("mock_faults_set")
def mock_faults_set(ctx: RequestContext) -> Reply:
    assert ctx.faults is not None
    return Reply(ctx.faults.update(dict(ctx.body)).to_wire())


@operation("mock_requests_clear")
def mock_requests_clear(ctx: RequestContext) -> Reply:
    return Reply({"deleted": ctx.world.journal.clear()})


@operation("mock_fixtures_load")
def mock_fixtures_load(ctx: RequestContext) -> Reply:
    # Parse the text as sent (JSON is YAML), so reported line numbers are the client's.
    text = ctx.inputs.raw_text
    assert ctx.world.fixture_rules is not None
    try:
        extra = parse_fixtures(text, "request body", ctx.world.fixture_rules, ctx.world.fixtures)
    except FixtureError as exc:
        raise ValidationFailed("The fixtures are invalid",
                               [Detail("body", problem) for problem in exc.problems]) from exc
    ctx.world.add_fixtures(extra)
    return Reply({"workspaces": len(extra.workspaces), "users": len(extra.users),
                  "api_keys": len(extra.api_keys), "workflows": len(extra.workflows),
                  "uploads": len(extra.uploads)})


@operation("mock_state_export")
def mock_state_export(ctx: RequestContext) -> Reply:
    workspace_id = ctx.query.get("workspace_id")
    if workspace_id is not None and not ctx.world.known_workspace(workspace_id):
        raise NotFound("Unknown workspace")
    text = export_state(ctx.world, workspace_id, ctx.now)
    return Reply(None, body_bytes=text.encode(), content_type="application/yaml")


@operation("mock_tokens")
def mock_tokens(ctx: RequestContext) -> Reply:
    user_id = ctx.body["user_id"]
    if user_id not in ctx.world.fixtures.users:
        raise NotFound("Unknown user")
    ttl = int(ctx.body.get("ttl_seconds", ctx.settings.jwt_ttl_seconds))
    token = mint_session_token(ctx.settings.jwt_secret, user_id, ctx.now, ttl)
    return Reply({"token": token, "expires_at": iso(ctx.now + timedelta(seconds=ttl))})


@operation("mock_workspaces_create")
def mock_workspaces_create(ctx: RequestContext) -> Reply:
    created = create_workspace(ctx.world, ctx.body or {})
    return Reply(created)


@operation("mock_run_force")
def mock_run_force(ctx: RequestContext) -> Reply:
    state, run = force_run(ctx.world, ctx.path["run_id"], ctx.body, ctx.now)
    return Reply(run_view(ctx, state, run).out())


@operation("mock_file")
@operation("mock_file_head")
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
