"""Run reads: list, get, status, steps, overview, analysis, data, outputs."""

from __future__ import annotations

from collections.abc import Callable

from ..world.views.run_views import RunView
from .base import Handler, Reply, RequestContext
from .common import kept_reply, paged, run_view

_SORT_KEYS = {
    "created_at": lambda v: v.run.created_at,
    "started_at": lambda v: v.started_at,
    "completed_at": lambda v: v.completed_at,
    "status": lambda v: v.status,
}


def _run_read(ctx: RequestContext, build: Callable[[RunView], Reply]) -> Reply:
    """One run's read. A settled run's answer is built and encoded once, then sent as it
    is while nothing it depends on changes (world/service/reads.py)."""
    state = ctx.workspace()
    with state.lock:
        run = state.run(ctx.path["workflow_id"], ctx.path["run_id"])

    def reply() -> tuple[Reply, bool]:
        with state.lock:
            view = run_view(ctx, state, run)
            settled = run.settled(ctx.now)
        return build(view), settled

    return kept_reply(ctx, state, run.id, reply)


def _sorted(views: list[RunView], field: str, descending: bool) -> list[RunView]:
    """Sort by one field (nulls last either way), then ``id ASC`` as the tiebreaker."""
    ordered = sorted(views, key=lambda v: v.run.id)
    present = [v for v in ordered if _SORT_KEYS[field](v) is not None]
    missing = [v for v in ordered if _SORT_KEYS[field](v) is None]
    present.sort(key=_SORT_KEYS[field], reverse=descending)
    return present + missing


def list_runs(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    with state.lock:
        runs = state.runs_of(state.workflow(ctx.path["workflow_id"]).id)
        views = [run_view(ctx, state, run) for run in runs]
    statuses = set(str(ctx.query.get("status", "")).split(",")) - {""}
    if statuses:
        views = [v for v in views if v.status in statuses]
    search = str(ctx.query.get("search") or "").casefold()
    if search:
        views = [v for v in views if search in v.run.triggered_by["user_name"].casefold()]
    views = _sorted(views, ctx.query.get("sort", "created_at"),
                    ctx.query.get("order", "desc") == "desc")
    page, pagination = paged(ctx, views, counted=True)
    return Reply([v.list_item() for v in page], pagination=pagination)


def get_run(ctx: RequestContext) -> Reply:
    return _run_read(ctx, lambda view: Reply(view.detail_out()))


def get_run_status(ctx: RequestContext) -> Reply:
    return _run_read(ctx, lambda view: Reply(view.status_out()))


def get_run_steps(ctx: RequestContext) -> Reply:
    return _run_read(ctx, lambda view: Reply(view.steps(
        include_result=bool(ctx.query.get("include_result", False)),
        node_type=ctx.query.get("node_type"), node_id=ctx.query.get("node_id"))))


def get_run_overview(ctx: RequestContext) -> Reply:
    return _run_read(ctx, lambda view: Reply(view.overview()))


def get_run_analysis(ctx: RequestContext) -> Reply:
    return _run_read(ctx, lambda view: Reply(view.analysis()))


def get_run_data(ctx: RequestContext) -> Reply:
    def build(view: RunView) -> Reply:
        rows = view.data_rows(search=ctx.query.get("search"),
                              language=ctx.query.get("language"),
                              include_dropped=bool(ctx.query.get("include_dropped", False)))
        page, pagination = paged(ctx, rows, counted=True)
        return Reply(view.data_out(page), pagination=pagination,
                     headers={"Cache-Control": "no-store"})

    return _run_read(ctx, build)


def get_run_outputs(ctx: RequestContext) -> Reply:
    return _run_read(ctx, lambda view: Reply(view.outputs()))


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "list_runs": list_runs,
    "get_run": get_run,
    "get_run_status": get_run_status,
    "get_run_steps": get_run_steps,
    "get_run_overview": get_run_overview,
    "get_run_analysis": get_run_analysis,
    "get_run_data": get_run_data,
    "get_run_outputs": get_run_outputs,
}
