"""Workflow reads: list, get, markdown, uploads, name availability, runs summary, estimate."""

from __future__ import annotations

from typing import Any

from ..errors import Detail, ValidationFailed
from ..world.service.run_costs import estimate_or_422, priced_definition, with_uploaded_script
from ..world.state.ledger import read_ledger
from ..world.state.records import UploadRecord, WorkflowRecord
from ..world.state.store import WorkspaceState
from ..world.views.markdown import render_markdown
from ..world.views.run_views import runs_summary
from ..world.views.upload_views import upload_out as upload_view
from ..world.views.workflow_views import (
    ListQuery,
    aggregates_steady,
    list_rows,
    needs_every_row,
    workflow_aggregates,
    workflow_out,
)
from .base import Handler, Reply, RequestContext
from .common import kept_reply, paged, run_view, window


def full_workflow(ctx: RequestContext, state: WorkspaceState,
                  record: WorkflowRecord) -> dict[str, Any]:
    agg = workflow_aggregates(ctx.engine.caches, state, record.id, ctx.now,
                              ctx.world.run_statuses)
    return workflow_out(record, agg)


def _steady(ctx: RequestContext, state: WorkspaceState, workflow_id: str) -> bool:
    return aggregates_steady(ctx.engine.caches, state, workflow_id, ctx.now,
                             ctx.world.run_statuses)


def list_workflows(ctx: RequestContext) -> Reply:
    """A page made only of workflows whose runs are settled is kept until the next event
    (``kept_reply``); a page filtered by run status reads every workflow and never is."""
    after, before = window(ctx, "last_run_after", "last_run_before")
    query = ListQuery(
        status=ctx.query.get("status"), search=ctx.query.get("search"),
        sort=tuple(ctx.query.get("sort", ())), order=tuple(ctx.query.get("order", ())),
        last_run_after=after, last_run_before=before,
        has_failed_run=ctx.query.get("has_failed_run"),
    )
    state = ctx.workspace()
    include = bool(ctx.query.get("include_definition", False))

    def build() -> tuple[Reply, bool]:
        with state.lock:
            rows = list_rows(ctx.engine.caches, state, query, ctx.now, ctx.world.run_statuses)
            page, pagination = paged(ctx, rows, counted=True)
            data = [workflow_out(w, agg, definition=include) for w, agg in page]
            steady = not needs_every_row(query) and all(
                _steady(ctx, state, w.id) for w, _agg in page)
        return Reply(data, pagination=pagination), steady

    return kept_reply(ctx, state, None, build)


def get_workflow(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    workflow_id = ctx.path["workflow_id"]

    def build() -> tuple[Reply, bool]:
        with state.lock:
            record = state.workflow(workflow_id)
            reply = Reply(full_workflow(ctx, state, record))
            return reply, _steady(ctx, state, record.id)

    return kept_reply(ctx, state, workflow_id, build)


def get_workflow_markdown(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    with state.lock:
        record = state.workflow(ctx.path["workflow_id"])
        markdown = render_markdown(record, ctx.world.catalog)
    return Reply({"workflow_id": record.id, "name": record.name, "markdown": markdown})


def upload_out(ctx: RequestContext, upload: UploadRecord) -> dict[str, Any]:
    link = ctx.world.links.make(ctx.base_url, ctx.now, kind="upload", ws=upload.workspace_id,
                                upload=upload.id)
    return upload_view(upload, link.url)


def list_workflow_uploads(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    with state.lock:
        uploads = state.uploads_of(state.workflow(ctx.path["workflow_id"]).id)
    page, pagination = paged(ctx, uploads, counted=False)
    return Reply([upload_out(ctx, u) for u in page], pagination=pagination)


def check_workflow_name_availability(ctx: RequestContext) -> Reply:
    name = str(ctx.query["name"]).strip()
    if not name:
        raise ValidationFailed("Invalid workflow name",
                               [Detail("name", "String should have at least 1 character")])
    if len(name) > 200:
        raise ValidationFailed("Invalid workflow name",
                               [Detail("name", "String should have at most 200 characters")])
    ctx.workspace()  # names are no longer unique (0.16.1): any valid name is available
    return Reply({"name": name, "available": True})


def runs_summary_handler(ctx: RequestContext) -> Reply:
    start, end = window(ctx, "from", "to")
    state = ctx.workspace()
    workflow_id = ctx.path["workflow_id"]

    def build() -> tuple[Reply, bool]:
        with state.lock:
            runs = state.runs_of(state.workflow(workflow_id).id)
            views = [run_view(ctx, state, run) for run in runs]
            settled = all(run.settled(ctx.now) for run in runs)
        return Reply(runs_summary(views, start, end)), settled

    return kept_reply(ctx, state, workflow_id, build)


def _estimate(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    with state.lock:
        record = state.workflow(ctx.path["workflow_id"])
        body = ctx.body if isinstance(ctx.body, dict) else {}
        definition, script = priced_definition(with_uploaded_script(record.definition, state),
                                               body)
        ledger = read_ledger(state, ctx.now)  # the balance the start-run gate reads now
    return Reply(estimate_or_422(ctx.world.catalog, definition, script, ledger.balance, "price",
                                 ledger.plan.overage_rate_cents_per_credit))


def estimate_workflow(ctx: RequestContext) -> Reply:
    return _estimate(ctx)


def preview_run(ctx: RequestContext) -> Reply:
    return _estimate(ctx)


__all__ = ["estimate_or_422", "full_workflow", "priced_definition", "upload_out"]


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "list_workflows": list_workflows,
    "get_workflow": get_workflow,
    "get_workflow_markdown": get_workflow_markdown,
    "list_workflow_uploads": list_workflow_uploads,
    "check_workflow_name_availability": check_workflow_name_availability,
    "runs_summary": runs_summary_handler,
    "estimate_workflow": estimate_workflow,
    "preview_run": preview_run,
}
