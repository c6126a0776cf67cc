"""Run writes and links: start, cancel, pause, resume, audio URL and downloads (runs.md §3-4)."""

from __future__ import annotations

import copy
from typing import Any

from ..envelope import iso
from ..errors import ApiError, Conflict, Detail, NotFound, ValidationFailed
from ..world.catalog.graph_rules import run_start_problems
from ..world.rng import stable_uuid
from ..world.runs.lifecycle import ACTIVE, Control
from ..world.runs.plan import make_plan
from ..world.state.records import RunRecord, WorkflowRecord
from ..world.state.store import WorkspaceState
from ..world.views.exports import audio_ids, delivered_lines, sink_node_ids
from .base import Reply, RequestContext, operation
from .common import run_view
from .workflows import estimate_or_422, priced_definition


class PaymentRequired(ApiError):
    status = 402
    code = "INSUFFICIENT_CREDITS"


def _active_runs(ctx: RequestContext, state: WorkspaceState) -> list[RunRecord]:
    return [r for r in state.runs.values() if r.timeline(ctx.now).status in ACTIVE]


def _check_capacity(ctx: RequestContext, state: WorkspaceState, workflow_id: str,
                    exclude: str | None = None) -> None:
    """409 while another run of this workflow is active or the workspace is at its limit."""
    active = [r for r in _active_runs(ctx, state) if r.id != exclude]
    if any(r.workflow_id == workflow_id for r in active):
        raise Conflict("Another run of this workflow is still active")
    if len(active) >= state.info.concurrent_run_limit:
        raise Conflict(f"The workspace is at its limit of {state.info.concurrent_run_limit} "
                       "concurrent runs")


def _snapshot(ctx: RequestContext, workflow: WorkflowRecord) -> dict[str, Any]:
    problems = run_start_problems(workflow.definition, ctx.world.catalog)
    if problems:
        raise ValidationFailed("The workflow cannot run",
                               [Detail(p.field, p.message) for p in problems])
    definition, _script = priced_definition(ctx, workflow.definition)
    return copy.deepcopy(definition) if definition is workflow.definition else definition


def _check_credits(ctx: RequestContext, state: WorkspaceState, snapshot: dict[str, Any]) -> None:
    estimate = estimate_or_422(ctx, snapshot, None, state.info.credit_balance, "voice")
    if not estimate["can_run"]:
        raise PaymentRequired("Not enough credits to start this run",
                              extra={"min_credits": estimate["min_credits"],
                                     "current_balance": estimate["current_balance"]})


@operation("start_run")
def start_run(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    assert ctx.principal is not None
    with state.writing():
        workflow = state.workflow(ctx.path["workflow_id"])
        snapshot = _snapshot(ctx, workflow)
        _check_credits(ctx, state, snapshot)
        _check_capacity(ctx, state, workflow.id)
        number = max((r.run_number for r in state.runs_of(workflow.id)), default=0) + 1
        run_id = stable_uuid(ctx.settings.seed, "run", f"{workflow.id}:{number}")
        user = ctx.world.fixtures.users.get(ctx.principal.user_id)
        run = RunRecord(
            id=run_id, workflow_id=workflow.id, workspace_id=state.info.id, run_number=number,
            created_at=ctx.now,
            triggered_by={"user_id": ctx.principal.user_id,
                          "user_name": user.display_name if user else ctx.principal.user_id},
            snapshot=snapshot, plan=make_plan(ctx.settings.seed, run_id, snapshot,
                                              ctx.world.catalog),
            speed=ctx.settings.run_speed,
        )
        state.runs[run.id] = run
        return Reply(run_view(ctx, state, run).out())


def _control(ctx: RequestContext, apply: Any) -> Reply:
    state = ctx.workspace()
    with state.writing():
        run = state.run(ctx.path["workflow_id"], ctx.path["run_id"])
        apply(state, run, run.timeline(ctx.now))
        return Reply(run_view(ctx, state, run).out())


@operation("cancel_run")
def cancel_run(ctx: RequestContext) -> Reply:
    def apply(state: WorkspaceState, run: RunRecord, timeline: Any) -> None:
        if not timeline.terminal:  # idempotent: a finished run comes back unchanged
            run.controls.append(Control("cancel", ctx.now))

    return _control(ctx, apply)


@operation("pause_run")
def pause_run(ctx: RequestContext) -> Reply:
    def apply(state: WorkspaceState, run: RunRecord, timeline: Any) -> None:
        if timeline.terminal:
            raise Conflict(f"The run is {timeline.status} and cannot be paused")
        if timeline.status in ACTIVE and timeline.pause_requested_at is None:
            run.controls.append(Control("pause", ctx.now))

    return _control(ctx, apply)


@operation("resume_run")
def resume_run(ctx: RequestContext) -> Reply:
    def apply(state: WorkspaceState, run: RunRecord, timeline: Any) -> None:
        if timeline.status != "paused":
            raise Conflict(f"Only paused runs can be resumed; this run is {timeline.status}")
        _check_capacity(ctx, state, run.workflow_id, exclude=run.id)
        run.controls.append(Control("resume", ctx.now))

    return _control(ctx, apply)


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


@operation("download_run")
def download_run(ctx: RequestContext) -> Reply:
    return _download(ctx, None)


@operation("download_run_node")
def download_run_node(ctx: RequestContext) -> Reply:
    return _download(ctx, ctx.path["node_id"])


@operation("get_run_audio_url")
def get_run_audio_url(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    audio_id = ctx.path["audio_id"]
    with state.lock:
        run = state.run(ctx.path["workflow_id"], ctx.path["run_id"])
        if audio_id not in audio_ids(run_view(ctx, state, run).progress):
            raise NotFound("No stored audio with this id in the run")
    link = ctx.world.links.make(ctx.base_url, ctx.now, kind="audio", ws=state.info.id,
                                run=run.id, audio=audio_id)
    return Reply({"url": link.url, "filename": f"{audio_id}.wav",
                  "expires_at": iso(link.expires_at)})
