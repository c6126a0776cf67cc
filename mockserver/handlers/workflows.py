"""Workflow reads: list, get, markdown, uploads, name availability, runs summary, estimate."""

from __future__ import annotations

import copy
from typing import Any

from ..envelope import iso
from ..errors import Detail, ValidationFailed
from ..world.catalog.graph_view import SOURCE
from ..world.runs import pricing
from ..world.state.records import UploadRecord, WorkflowRecord
from ..world.state.store import WorkspaceState
from ..world.views.markdown import render_markdown
from ..world.views.run_views import runs_summary
from ..world.views.workflow_views import ListQuery, aggregates, filter_and_sort, workflow_out
from .base import Reply, RequestContext, operation
from .common import paged, run_view, window


def full_workflow(ctx: RequestContext, state: WorkspaceState,
                  record: WorkflowRecord) -> dict[str, Any]:
    agg = aggregates(state.runs_of(record.id), ctx.now, ctx.world.run_statuses)
    return workflow_out(record, agg)


@operation("list_workflows")
def list_workflows(ctx: RequestContext) -> Reply:
    after, before = window(ctx, "last_run_after", "last_run_before")
    query = ListQuery(
        status=ctx.query.get("status"), search=ctx.query.get("search"),
        sort=tuple(ctx.query.get("sort", ())), order=tuple(ctx.query.get("order", ())),
        last_run_after=after, last_run_before=before,
        has_failed_run=ctx.query.get("has_failed_run"),
    )
    state = ctx.workspace()
    with state.lock:
        statuses = ctx.world.run_statuses
        rows = [(w, aggregates(state.runs_of(w.id), ctx.now, statuses))
                for w in state.live_workflows()]
    page, pagination = paged(ctx, filter_and_sort(rows, query), counted=True)
    include = bool(ctx.query.get("include_definition", False))
    data = [workflow_out(w, agg, definition=include) for w, agg in page]
    return Reply(data, pagination=pagination)


@operation("get_workflow")
def get_workflow(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    with state.lock:
        return Reply(full_workflow(ctx, state, state.workflow(ctx.path["workflow_id"])))


@operation("get_workflow_markdown")
def get_workflow_markdown(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    with state.lock:
        record = state.workflow(ctx.path["workflow_id"])
        markdown = render_markdown(record, ctx.world.catalog)
    return Reply({"workflow_id": record.id, "name": record.name, "markdown": markdown})


def upload_out(ctx: RequestContext, upload: UploadRecord) -> dict[str, Any]:
    link = ctx.world.links.make(ctx.base_url, ctx.now, kind="upload", ws=upload.workspace_id,
                                upload=upload.id)
    return {
        "id": upload.id, "user_id": upload.user_id, "workspace_id": upload.workspace_id,
        "filename": upload.filename, "category": upload.category,
        "content_type": upload.content_type, "format": upload.format, "status": "uploaded",
        "size_bytes": upload.size_bytes, "char_count": upload.char_count,
        "line_count": upload.line_count, "detected_language": upload.detected_language,
        "download_url": link.url, "context_type": "workflow", "context_id": upload.workflow_id,
        "created_at": iso(upload.created_at), "updated_at": iso(upload.updated_at),
    }


@operation("list_workflow_uploads")
def list_workflow_uploads(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    with state.lock:
        uploads = state.uploads_of(state.workflow(ctx.path["workflow_id"]).id)
    page, pagination = paged(ctx, uploads, counted=False)
    return Reply([upload_out(ctx, u) for u in page], pagination=pagination)


@operation("check_workflow_name_availability")
def check_workflow_name_availability(ctx: RequestContext) -> Reply:
    name = str(ctx.query["name"]).strip()
    if not name:
        raise ValidationFailed("Invalid workflow name", [Detail("name", "must not be blank")])
    if len(name) > 200:
        raise ValidationFailed("Invalid workflow name",
                               [Detail("name", "must be at most 200 characters")])
    ctx.workspace()  # names are no longer unique (0.16.1): any valid name is available
    return Reply({"name": name, "available": True})


@operation("runs_summary")
def runs_summary_handler(ctx: RequestContext) -> Reply:
    start, end = window(ctx, "from", "to")
    state = ctx.workspace()
    with state.lock:
        runs = state.runs_of(state.workflow(ctx.path["workflow_id"]).id)
        views = [run_view(ctx, state, run) for run in runs]
    return Reply(runs_summary(views, start, end))


def priced_definition(ctx: RequestContext, definition: dict[str, Any]) -> tuple[dict[str, Any],
                                                                               str | None]:
    """Apply run-scoped overrides (script_text, source_language) to a copy of a definition."""
    body = ctx.body if isinstance(ctx.body, dict) else {}
    script, language = body.get("script_text"), body.get("source_language")
    if script is None and language is None:
        return definition, None
    sources = [n for n in definition.get("graph", {}).get("nodes") or []
               if isinstance(n, dict) and n.get("type") == SOURCE]
    if len(sources) != 1:
        raise ValidationFailed("Run overrides need exactly one source_script node",
                               [Detail("script_text", "the graph must have exactly one "
                                       f"source_script node, found {len(sources)}")])
    patched = copy.deepcopy(definition)
    for node in patched["graph"]["nodes"]:
        if isinstance(node, dict) and node.get("type") == SOURCE:
            config = node.setdefault("config", {}) or {}
            node["config"] = config
            if script is not None:
                config["text"] = script
            if language is not None:
                config["source_language"] = language
    return patched, script


def estimate_or_422(ctx: RequestContext, definition: dict[str, Any], script: str | None,
                    balance: int, purpose: str) -> dict[str, Any]:
    """The credit estimate; a workflow with no script text at all is a 422 on script_text."""
    try:
        return pricing.estimate(definition, ctx.world.catalog, script_text=script,
                                balance=balance)
    except pricing.NoScriptText as exc:
        raise ValidationFailed(f"There is no script text to {purpose}",
                               [Detail("script_text", "the workflow script is empty; "
                                       "save a script or pass script_text")]) from exc


def _estimate(ctx: RequestContext) -> Reply:
    state = ctx.workspace()
    with state.lock:
        record = state.workflow(ctx.path["workflow_id"])
        definition, script = priced_definition(ctx, record.definition)
    return Reply(estimate_or_422(ctx, definition, script, state.info.credit_balance, "price"))


@operation("estimate_workflow")
def estimate_workflow(ctx: RequestContext) -> Reply:
    return _estimate(ctx)


@operation("preview_run")
def preview_run(ctx: RequestContext) -> Reply:
    return _estimate(ctx)


__all__ = ["estimate_or_422", "full_workflow", "priced_definition", "upload_out"]
