"""Run writes and links: start, cancel, pause, resume, audio URL and downloads (runs.md §3-4)."""

from __future__ import annotations

from dataclasses import replace

from ..envelope import iso
from ..errors import Conflict, NotFound
from ..world.runs.record import RunRecord
from ..world.service import runs
from ..world.state.store import WorkspaceState
from ..world.views.exports import audio_ids, delivered_lines, sink_node_ids
from .base import Handler, Reply, RequestContext
from .common import run_view

# Script lines times output languages one run may plan (a few seconds of planning at most).
MAX_PLANNED_LINES = 2000


def _run_reply(ctx: RequestContext, found: tuple[WorkspaceState, RunRecord]) -> Reply:
    """The run as the command left it: read at the instant the command decided at (later
    than the request's arrival when it waited behind a later write)."""
    state, run = found
    at = ctx.engine.instant(ctx.now)
    read_ctx = ctx if at == ctx.now else replace(ctx, now=at)
    return Reply(run_view(read_ctx, state, run).out())


def _triggered_by(ctx: RequestContext) -> dict[str, str]:
    assert ctx.principal is not None
    user_id = ctx.principal.user_id
    user = ctx.world.fixtures.users.get(user_id)
    return {"user_id": user_id, "user_name": user.display_name if user else user_id}


def start_run(ctx: RequestContext) -> Reply:
    body = ctx.body if isinstance(ctx.body, dict) else {}
    return _run_reply(ctx, runs.start_run(ctx.engine, ctx.workspace().info.id,
                                          ctx.path["workflow_id"], _triggered_by(ctx), body,
                                          ctx.now))


def _control(ctx: RequestContext, command: runs.RunCommand) -> Reply:
    return _run_reply(ctx, command(ctx.engine, ctx.workspace().info.id,
                                   ctx.path["workflow_id"], ctx.path["run_id"], ctx.now))


def cancel_run(ctx: RequestContext) -> Reply:
    return _control(ctx, runs.cancel_run)


def pause_run(ctx: RequestContext) -> Reply:
    return _control(ctx, runs.pause_run)


def resume_run(ctx: RequestContext) -> Reply:
    return _control(ctx, runs.resume_run)


def _download(ctx: RequestContext, node_id: str | None) -> Reply:
    state = ctx.workspace()
    with state.lock:
        run = state.run(ctx.path["workflow_id"], ctx.path["run_id"])
        view = run_view(ctx, state, run)
        sinks = sink_node_ids(run, ctx.world.catalog.category)
        if node_id is not None and node_id not in sinks:
            raise NotFound("No output node with this id in the run")
        if view.status != "completed":
            raise Conflict(f"Downloads are available for completed runs; this run is "
                           f"{view.status}")
        if not delivered_lines(view.progress):
            raise NotFound("This run produced no audio to download")
    claims = {"kind": "export", "ws": state.info.id, "wf": run.workflow_id, "run": run.id}
    if node_id is not None:
        claims["node"] = node_id
    link = ctx.world.links.make(ctx.base_url, ctx.now, **claims)
    suffix = f"_{node_id}" if node_id else ""
    return Reply({"url": link.url, "filename": f"workflow_run_{run.id}{suffix}_export.zip",
                  "expires_at": iso(link.expires_at)})


def download_run(ctx: RequestContext) -> Reply:
    return _download(ctx, None)


def download_run_node(ctx: RequestContext) -> Reply:
    return _download(ctx, ctx.path["node_id"])


def get_run_audio_url(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    audio_id = ctx.path["audio_id"]
    with state.lock:
        run = state.run(ctx.path["workflow_id"], ctx.path["run_id"])
        if audio_id not in audio_ids(run_view(ctx, state, run).progress):
            raise NotFound("No stored audio with this id in the run")
    link = ctx.world.links.make(ctx.base_url, ctx.now, kind="audio", ws=state.info.id,
                                wf=run.workflow_id, run=run.id, audio=audio_id)
    return Reply({"url": link.url, "filename": f"{audio_id}.wav",
                  "expires_at": iso(link.expires_at)})


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "start_run": start_run,
    "cancel_run": cancel_run,
    "pause_run": pause_run,
    "resume_run": resume_run,
    "download_run": download_run,
    "download_run_node": download_run_node,
    "get_run_audio_url": get_run_audio_url,
}
