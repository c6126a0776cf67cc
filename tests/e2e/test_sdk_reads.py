"""End to end: every read method of the official SDK (onepin==0.16.1) against a live mock.

One server per module (frozen clock, strict response validation, seed 0). Every read call
goes through the SDK's typed models, so a response the SDK cannot parse fails here; the
assertions then check that the values mean what the contract says (filters filter, totals
add up, views of one run agree). Run views are exercised on one run in every run status.
`test_every_sdk_read_method_is_exercised` keeps the list of covered methods honest.
"""

from __future__ import annotations

import asyncio
import inspect
import io
import json
import typing
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import onepin
import pytest
from onepin import AsyncOnePinClient, OnePinClient
from onepin.core.api_error import ApiError
from onepin.errors import ConflictError, UnprocessableEntityError
from support import ACME, ADA, FROZEN_AT, make_settings

from mockserver.session_tokens import mint_session_token
from mockserver.settings import Settings
from mockserver.testing import DEMO_KEY, MockServer

STATUSES = ("pending", "running", "paused", "completed", "failed", "cancelled")
TERMINAL = frozenset({"completed", "failed", "cancelled"})
NODE_TYPES = tuple(typing.get_args(typing.get_args(onepin.NodeType)[0]))
# The catalog's previews: listed, readable, never placeable (they are not NodeType values).
PREVIEW_NODE_TYPES = ("decision_score_router",)
CATEGORY_BY_PREFIX = {"source": "source", "operator": "operator", "validator": "validation",
                      "sink": "output", "decision": "decision"}
# Workflow-list `status` buckets: the latest run's raw status (contract workflows.md §3.1).
LIST_BUCKETS: dict[str, frozenset[str | None]] = {
    "draft": frozenset({None}),
    "running": frozenset({"running", "paused", "pending"}),
    "completed": frozenset({"completed"}),
    "failed": frozenset({"failed"}),
    "paused": frozenset(),
}
LINK_TTL = timedelta(minutes=15)

# Every SDK read method this module calls, by its path on the client. The guard test at the
# bottom compares this with the SDK's own read methods (GET, plus the two POST estimates).
EXERCISED = frozenset({
    "auth.whoami",
    "nodes.list_nodes", "nodes.get_node_detail", "nodes.get_node_detail_v2",
    "workflows.list", "workflows.get", "workflows.get_workflow_markdown",
    "workflows.list_workflow_uploads", "workflows.check_workflow_name_availability",
    "workflows.runs_summary", "workflows.estimate_workflow", "workflows.preview_run",
    "workflows.get_run_overview", "workflows.get_run_analysis", "workflows.get_run_data",
    "workflows.get_run_outputs", "workflows.get_run_audio_url", "workflows.download_run",
    "workflows.download_run_node",
    "workflows.runs.list", "workflows.runs.get", "workflows.runs.status", "workflows.runs.steps",
})
ASYNC_EXERCISED = frozenset({"workflows.list", "workflows.runs.list", "workflows.runs.get",
                             "workflows.runs.status", "workflows.get_run_data"})


@dataclass(frozen=True)
class RunRef:
    workflow_id: str
    run_id: str
    status: str


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(make_settings()) as live:
        yield live


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """A plain HTTP client for the pre-signed URLs (no credentials, like the CLI)."""
    with httpx.Client(timeout=30) as plain:
        yield plain


@pytest.fixture(scope="module")
def client(server: MockServer) -> Iterator[OnePinClient]:
    # No retries: the SDK retries 409 and 5xx with back-off, which would hide failures.
    with httpx.Client(timeout=30) as transport:
        yield OnePinClient(base_url=server.url, token=DEMO_KEY, httpx_client=transport,
                           max_retries=0)


@pytest.fixture(scope="module")
def session_client(server: MockServer) -> Iterator[OnePinClient]:
    """Ada's session JWT. Methods with a `workspace_id` argument send that argument as the
    X-Workspace-Id header (None drops the client-level header), so pass it per call."""
    token = mint_session_token(Settings().jwt_secret, ADA, FROZEN_AT, 3600)
    with httpx.Client(timeout=30) as transport:
        yield OnePinClient(base_url=server.url, token=token, headers={"X-Workspace-Id": ACME},
                           httpx_client=transport, max_retries=0)


@pytest.fixture(scope="module")
def workflows(client: OnePinClient) -> list[onepin.WorkflowListItem]:
    """Every workflow of the workspace, in the default order (updated_at desc)."""
    page = client.workflows.list(limit=100)
    assert page.pagination.total == len(page.data) > 0
    return page.data


@pytest.fixture(scope="module")
def runs_by_status(client: OnePinClient,
                   workflows: list[onepin.WorkflowListItem]) -> dict[str, RunRef]:
    """One run per status, found through the run list's status filter."""
    found: dict[str, RunRef] = {}
    for status in STATUSES:
        owner = next(w for w in workflows
                     if w.run_status_counts and getattr(w.run_status_counts, status))
        page = client.workflows.runs.list(owner.id, status=status, limit=1)
        assert len(page.data) == 1
        assert page.data[0].status == status
        found[status] = RunRef(owner.id, page.data[0].id, status)
    return found


def _voiced(client: OnePinClient, ref: RunRef) -> bool:
    """Whether a generator step of the run has finished (so takes, and cards, exist)."""
    steps = client.workflows.runs.steps(ref.workflow_id, ref.run_id).data or []
    return any(s.node_type == "operator_generator" and s.status == "completed" for s in steps)


def _fetch(http: httpx.Client, url: str) -> httpx.Response:
    response = http.get(url)
    assert response.status_code == 200, response.text[:200]
    return response


def _zip(http: httpx.Client, url: str) -> zipfile.ZipFile:
    body = _fetch(http, url).content
    assert body[:2] == b"PK"
    return zipfile.ZipFile(io.BytesIO(body))


def _sink_ids(detail: onepin.WorkflowRunDetailOut) -> list[str]:
    snapshot = detail.definition_snapshot or {}
    return [n["id"] for n in snapshot["graph"]["nodes"] if n["type"] == "sink_preview"]


# -- auth and nodes -------------------------------------------------------------------------


def test_whoami_describes_the_api_key(client: OnePinClient) -> None:
    """whoami with the demo key names the key, its owner, its workspace and all scopes."""
    me = client.auth.whoami()
    assert isinstance(me, onepin.ApiResponseAuthWhoamiOut)
    assert isinstance(me.data, onepin.AuthWhoamiOut)
    assert me.data.auth_kind == "api_key"
    assert me.data.user_id == ADA
    assert me.data.workspace_id == ACME
    assert me.data.api_key_id
    assert {"workflows:read", "workflows:run", "workflows:write", "catalog:read"} <= set(
        me.data.scopes)
    assert me.meta.timestamp == FROZEN_AT


def test_whoami_describes_the_session(session_client: OnePinClient) -> None:
    """whoami with a session JWT reports a clerk session of the user in the header's workspace."""
    me = session_client.auth.whoami().data
    assert isinstance(me, onepin.AuthWhoamiOut)
    assert (me.auth_kind, me.user_id, me.workspace_id, me.api_key_id) == (
        "clerk", ADA, ACME, None)


def test_list_nodes_returns_the_whole_catalog(client: OnePinClient) -> None:
    """list_nodes returns every NodeType of SDK 0.16.1 with ports; sinks have no outputs."""
    page = client.nodes.list_nodes()
    assert isinstance(page, onepin.ApiListResponseNodePortsOut)
    assert all(isinstance(n, onepin.NodePortsOut) for n in page.data)
    types = [n.node_type for n in page.data]
    assert sorted(types) == sorted([*NODE_TYPES, *PREVIEW_NODE_TYPES])
    assert page.pagination.limit >= len(page.data)
    for node in page.data:
        assert node.display_name and node.description and node.version >= 1
        assert node.inputs or node.node_type.startswith("source_")
        assert (not node.outputs) == node.node_type.startswith("sink_")


@pytest.mark.parametrize("node_type", NODE_TYPES + PREVIEW_NODE_TYPES)
def test_get_node_detail_v2(client: OnePinClient, node_type: str) -> None:
    """v2 node detail (API key) has the right category and links providers instead of models."""
    detail = client.nodes.get_node_detail_v2(node_type)
    assert isinstance(detail, onepin.ApiResponseNodeDetailOut)
    node = detail.data
    assert isinstance(node, onepin.NodeDetailOut)
    assert node.node_type == node_type
    assert node.category == CATEGORY_BY_PREFIX[node_type.split("_", 1)[0]]
    options = node.options or {}
    assert "models_by_provider" not in options
    if node_type == "operator_generator":
        assert options["providers"].kind == "href"
        assert options["providers"].target == "/api/v1/providers"
        assert options["voices"].kind == "href"
        assert options["voices"].target == "/api/v1/voices"


@pytest.mark.parametrize("node_type", NODE_TYPES + PREVIEW_NODE_TYPES)
def test_get_node_detail_v1_with_session(session_client: OnePinClient, client: OnePinClient,
                                         node_type: str) -> None:
    """v1 node detail (session) matches v2 except that the generator inlines its model catalog."""
    v1 = session_client.nodes.get_node_detail(node_type, workspace_id=ACME)
    assert isinstance(v1, onepin.ApiResponseNodeDetailOut)
    v2 = client.nodes.get_node_detail_v2(node_type).data
    assert (v1.data.node_type, v1.data.category, v1.data.version) == (
        node_type, v2.category, v2.version)
    options = v1.data.options or {}
    assert "providers" not in options
    if node_type == "operator_generator":
        catalog = options["models_by_provider"]
        assert catalog.kind == "inline"
        assert isinstance(catalog.value, dict) and catalog.value
        for provider in catalog.value.values():
            assert provider.display_name and provider.models
    else:
        assert set(options) == set(v2.options or {})


def test_get_node_detail_v1_refuses_api_keys(client: OnePinClient) -> None:
    """v1 node detail answers an API key with 401 (it accepts sessions only)."""
    with pytest.raises(ApiError) as refused:
        client.nodes.get_node_detail("sink_preview", workspace_id=ACME)
    assert refused.value.status_code == 401


# -- workflows: list ------------------------------------------------------------------------


def test_list_workflows_unfiltered(workflows: list[onepin.WorkflowListItem]) -> None:
    """The unfiltered list is newest-updated first, omits definitions and has coherent counts."""
    assert all(isinstance(w, onepin.WorkflowListItem) for w in workflows)
    assert len(workflows) == 25
    stamps = [w.updated_at for w in workflows]
    assert stamps == sorted(stamps, reverse=True)
    for w in workflows:
        assert w.definition is None
        assert w.name_source in {"placeholder", "generated", "user"}
        counts = w.run_status_counts
        assert counts is not None
        assert sum(getattr(counts, s) for s in STATUSES) == w.runs_count
        assert (w.last_run_at is None) == (w.last_run_status is None) == (w.runs_count == 0)
    seen = {w.last_run_status for w in workflows}
    assert {None, "pending", "running", "paused", "completed", "failed", "cancelled"} <= seen


@pytest.mark.parametrize("status", list(LIST_BUCKETS))
def test_list_workflows_status_filter(client: OnePinClient,
                                      workflows: list[onepin.WorkflowListItem],
                                      status: str) -> None:
    """The list status filter buckets workflows by their latest run; aggregates stay unfiltered."""
    page = client.workflows.list(status=status, limit=100)
    assert isinstance(page, onepin.ApiCountedListResponseWorkflowListItem)
    expected = [w.id for w in workflows if w.last_run_status in LIST_BUCKETS[status]]
    assert [w.id for w in page.data] == expected
    assert page.pagination.total == len(expected)
    if status != "paused":
        assert expected, f"the seeded dataset has no {status!r} workflow"
    by_id = {w.id: w for w in workflows}
    for row in page.data:
        assert row.run_status_counts == by_id[row.id].run_status_counts
        assert row.runs_count == by_id[row.id].runs_count


def test_list_workflows_search(client: OnePinClient,
                               workflows: list[onepin.WorkflowListItem]) -> None:
    """search matches name or description case-insensitively."""
    page = client.workflows.list(search="GaMe", limit=100)
    expected = [w.id for w in workflows
                if "game" in w.name.lower() or "game" in (w.description or "").lower()]
    assert expected
    assert [w.id for w in page.data] == expected
    assert page.pagination.total == len(expected)


def test_list_workflows_multi_sort(client: OnePinClient,
                                   workflows: list[onepin.WorkflowListItem]) -> None:
    """Repeated sort/order pairs sort by runs_count desc, then name asc (caseless), then id."""
    page = client.workflows.list(sort=["runs_count", "name"], order=["desc", "asc"], limit=100)
    keys = [(-(w.runs_count or 0), w.name.casefold(), w.id) for w in page.data]
    assert keys == sorted(keys)
    assert len(page.data) == len(workflows)
    # an order entry may be missing: `name` then defaults to asc
    by_name = client.workflows.list(sort=["name"], limit=100)
    assert [(w.name.casefold(), w.id) for w in by_name.data] == sorted(
        (w.name.casefold(), w.id) for w in workflows)


@pytest.mark.parametrize("has_failed_run", [True, False])
def test_list_workflows_has_failed_run(client: OnePinClient,
                                       workflows: list[onepin.WorkflowListItem],
                                       has_failed_run: bool) -> None:
    """has_failed_run keeps workflows with (true) or without (false) a failed run anywhere."""
    page = client.workflows.list(has_failed_run=has_failed_run, limit=100)
    expected = [w.id for w in workflows
                if w.run_status_counts and (w.run_status_counts.failed > 0) == has_failed_run]
    assert expected
    assert [w.id for w in page.data] == expected
    assert page.pagination.total == len(expected)


def test_list_workflows_filters_combine(client: OnePinClient,
                                        workflows: list[onepin.WorkflowListItem]) -> None:
    """status and has_failed_run AND together."""
    page = client.workflows.list(status="completed", has_failed_run=True, limit=100)
    expected = [w.id for w in workflows if w.last_run_status == "completed"
                and w.run_status_counts and w.run_status_counts.failed > 0]
    assert expected
    assert [w.id for w in page.data] == expected


def test_list_workflows_include_definition(client: OnePinClient,
                                           workflows: list[onepin.WorkflowListItem]) -> None:
    """include_definition adds each workflow's graph, the same one get returns."""
    page = client.workflows.list(include_definition=True, limit=5)
    assert [w.id for w in page.data] == [w.id for w in workflows[:5]]
    for row in page.data:
        assert isinstance(row.definition, dict)
        assert set(row.definition) >= {"graph", "execution"}
        assert row.definition == client.workflows.get(row.id).data.definition


def test_list_workflows_last_run_window(client: OnePinClient,
                                        workflows: list[onepin.WorkflowListItem]) -> None:
    """last_run_after/before keep workflows whose latest run falls inside the window."""
    after = datetime(2026, 10, 20, tzinfo=UTC)
    before = datetime(2026, 10, 28, tzinfo=UTC)
    page = client.workflows.list(last_run_after=after, last_run_before=before, limit=100)
    expected = [w.id for w in workflows
                if w.last_run_at is not None and after <= w.last_run_at <= before]
    assert expected
    assert [w.id for w in page.data] == expected
    assert page.pagination.total == len(expected)
    only_after = client.workflows.list(last_run_after=after, limit=100)
    assert only_after.pagination.total == sum(
        1 for w in workflows if w.last_run_at is not None and w.last_run_at >= after)


def test_list_workflows_pagination(client: OnePinClient,
                                   workflows: list[onepin.WorkflowListItem]) -> None:
    """offset/limit pages tile the full list; next/prev links point at the neighbours."""
    ids: list[str] = []
    offset = 0
    while True:
        page = client.workflows.list(offset=offset, limit=7)
        assert page.pagination.limit == 7
        assert page.pagination.total == len(workflows)
        assert (page.pagination.prev is None) == (offset == 0)
        ids.extend(w.id for w in page.data)
        if page.pagination.next is None:
            break
        assert f"offset={offset + 7}" in page.pagination.next
        assert "limit=7" in page.pagination.next
        offset += 7
    assert ids == [w.id for w in workflows]
    assert offset == 21


# -- workflows: one workflow ----------------------------------------------------------------


def test_get_workflow_matches_the_list(client: OnePinClient,
                                       workflows: list[onepin.WorkflowListItem]) -> None:
    """get returns the list row's fields plus the full definition, for every workflow."""
    for row in workflows:
        got = client.workflows.get(row.id)
        assert isinstance(got, onepin.ApiResponseWorkflowOut)
        workflow = got.data
        assert isinstance(workflow, onepin.WorkflowOut)
        assert workflow.model_dump(exclude={"definition"}) == row.model_dump(
            exclude={"definition"})
        assert isinstance(workflow.definition["graph"]["nodes"], list)


def test_workflow_markdown(client: OnePinClient,
                          workflows: list[onepin.WorkflowListItem]) -> None:
    """The markdown rendering is headed by the workflow name and counts its nodes."""
    row = next(w for w in workflows if w.runs_count)
    md = client.workflows.get_workflow_markdown(row.id)
    assert isinstance(md, onepin.ApiResponseWorkflowMarkdownOut)
    assert (md.data.workflow_id, md.data.name) == (row.id, row.name)
    assert md.data.markdown.splitlines()[0] == f"# {row.name}"
    nodes = client.workflows.get(row.id).data.definition["graph"]["nodes"]
    assert f"**Nodes:** {len(nodes)}" in md.data.markdown


def test_list_workflow_uploads(client: OnePinClient, http: httpx.Client,
                               workflows: list[onepin.WorkflowListItem]) -> None:
    """Uploads of a workflow are confirmed, bound to it, and their download URLs serve bytes."""
    with_uploads = 0
    for row in workflows:
        page = client.workflows.list_workflow_uploads(row.id)
        assert isinstance(page, onepin.ApiListResponseUploadOut)
        assert page.pagination.limit == 20
        for upload in page.data:
            assert isinstance(upload, onepin.UploadOut)
            assert upload.status == "uploaded"
            assert upload.workspace_id == ACME
            assert upload.category in {"script", "dictionary"}
            assert upload.download_url
        if page.data:
            with_uploads += 1
            first = page.data[0]
            served = _fetch(http, first.download_url or "")
            assert served.content
            assert served.headers["content-type"].startswith(first.content_type)
    assert with_uploads > 0
    # offset/limit: the second item alone, if there is one
    row = next(w for w in workflows if len(client.workflows.list_workflow_uploads(w.id).data) > 1)
    everything = client.workflows.list_workflow_uploads(row.id).data
    second = client.workflows.list_workflow_uploads(row.id, offset=1, limit=1)
    assert [u.id for u in second.data] == [everything[1].id]
    assert second.pagination.limit == 1


def test_check_workflow_name_availability(client: OnePinClient,
                                          workflows: list[onepin.WorkflowListItem]) -> None:
    """The deprecated name check trims the name and always answers available (0.16.1)."""
    taken = workflows[0]
    answer = client.workflows.check_workflow_name_availability(
        name=f"  {taken.name}  ", exclude_id=taken.id)
    assert isinstance(answer, onepin.ApiResponseWorkflowNameAvailabilityOut)
    assert (answer.data.name, answer.data.available) == (taken.name, True)
    fresh = client.workflows.check_workflow_name_availability(name="Brand new flow").data
    assert (fresh.name, fresh.available) == ("Brand new flow", True)


def test_runs_summary_matches_the_counts(client: OnePinClient,
                                         workflows: list[onepin.WorkflowListItem]) -> None:
    """runs_summary counts equal the workflow's run_status_counts; pass_rate excludes cancelled."""
    for row in workflows:
        summary = client.workflows.runs_summary(row.id)
        assert isinstance(summary, onepin.ApiResponseRunsSummaryOut)
        s = summary.data
        counts = row.run_status_counts
        assert counts is not None
        assert {k: getattr(s, k) for k in STATUSES} == counts.model_dump()
        assert s.total_runs == row.runs_count
        decided = s.completed + s.failed
        if decided:
            assert s.pass_rate == pytest.approx(s.completed / decided)
        else:
            assert s.pass_rate is None
        assert (s.average_duration_seconds is None) == (s.completed == 0)
        # Audio implies a completed run; a completed run may deliver none (every take
        # rejected by a check without retries: the seeded "silent" workflow).
        assert s.delivered_audio_ms == 0 or s.completed > 0


def test_runs_summary_window(client: OnePinClient,
                             workflows: list[onepin.WorkflowListItem]) -> None:
    """from/to restrict the summary to runs created inside the window."""
    row = max(workflows, key=lambda w: w.runs_count or 0)
    runs = client.workflows.runs.list(row.id, limit=100).data
    created = sorted(r.created_at for r in runs)
    start, end = created[1], created[-2]
    window = client.workflows.runs_summary(row.id, from_=start, to=end).data
    inside = [r for r in runs if start <= r.created_at <= end]
    assert window.total_runs == len(inside) == len(runs) - 2
    for status in STATUSES:
        assert getattr(window, status) == sum(1 for r in inside if r.status == status)


def _check_estimate(estimate: onepin.EstimateResponse, definition: dict[str, Any]) -> None:
    assert isinstance(estimate, onepin.EstimateResponse)
    nodes = definition["graph"]["nodes"]
    assert [b.node_id for b in estimate.breakdown] == [n["id"] for n in nodes]
    assert 1 <= estimate.min_credits <= estimate.expected_credits <= estimate.max_credits
    for row in estimate.breakdown:
        assert 0 <= row.min_credits <= row.expected_credits <= row.max_credits
    # rows are rounded on their own (min down, max up), the total from the exact sum
    assert sum(b.min_credits for b in estimate.breakdown) <= estimate.min_credits
    assert estimate.max_credits <= max(1, sum(b.max_credits for b in estimate.breakdown))
    assert estimate.deficit_at_max == max(0, estimate.max_credits - estimate.current_balance)
    assert estimate.can_run == (estimate.min_credits <= estimate.current_balance)


def test_estimate_and_preview_without_body(client: OnePinClient,
                                           workflows: list[onepin.WorkflowListItem]) -> None:
    """estimate_workflow and preview_run price the saved script identically, changing nothing."""
    row = next(w for w in workflows if w.runs_count)
    definition = client.workflows.get(row.id).data.definition
    estimate = client.workflows.estimate_workflow(row.id)
    preview = client.workflows.preview_run(row.id)
    assert isinstance(estimate, onepin.ApiResponseEstimateResponse)
    assert isinstance(preview, onepin.ApiResponseEstimateResponse)
    _check_estimate(estimate.data, definition)
    assert preview.data == estimate.data
    after = client.workflows.get(row.id).data
    assert (after.updated_at, after.runs_count) == (row.updated_at, row.runs_count)


def test_estimate_and_preview_with_script_override(
        client: OnePinClient, workflows: list[onepin.WorkflowListItem]) -> None:
    """A short script_text override is priced instead of the saved script, identically by both."""
    row = next(w for w in workflows if w.runs_count)
    definition = client.workflows.get(row.id).data.definition
    body = onepin.WorkflowRunStartIn(script_text="Welcome back.\nYour order has shipped.",
                                     source_language="en-us")
    saved = client.workflows.preview_run(row.id).data
    preview = client.workflows.preview_run(row.id, request=body).data
    estimate = client.workflows.estimate_workflow(row.id, request=body).data
    _check_estimate(preview, definition)
    assert estimate == preview
    assert preview.max_credits < saved.max_credits
    assert preview.expected_credits <= saved.expected_credits


def test_preview_of_an_empty_workflow_is_refused(
        client: OnePinClient, workflows: list[onepin.WorkflowListItem]) -> None:
    """preview_run of an empty placeholder workflow is a 422, with or without script_text."""
    empty = next(w for w in workflows if w.name_source == "placeholder")
    assert client.workflows.get(empty.id).data.definition["graph"]["nodes"] == []
    with pytest.raises(UnprocessableEntityError) as no_text:
        client.workflows.preview_run(empty.id)
    assert no_text.value.body["error"]["details"][0]["field"] == "script_text"
    with pytest.raises(UnprocessableEntityError) as no_source:
        client.workflows.preview_run(
            empty.id, request=onepin.WorkflowRunStartIn(script_text="Hello there."))
    assert "source_script" in no_source.value.body["error"]["message"]


# -- runs: list -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
def test_list_runs_status_filter(client: OnePinClient,
                                 workflows: list[onepin.WorkflowListItem], status: str) -> None:
    """The run list status filter keeps that status; totals equal run_status_counts."""
    owners = [w for w in workflows if w.run_status_counts
              and getattr(w.run_status_counts, status)]
    assert owners
    for row in owners:
        page = client.workflows.runs.list(row.id, status=status, limit=100)
        assert isinstance(page, onepin.ApiCountedListResponseWorkflowRunListItem)
        assert all(isinstance(r, onepin.WorkflowRunListItem) for r in page.data)
        assert {r.status for r in page.data} == {status}
        assert page.pagination.total == getattr(row.run_status_counts, status)


def test_list_runs_defaults_and_multi_status(client: OnePinClient,
                                             workflows: list[onepin.WorkflowListItem]) -> None:
    """Runs are newest first by default; a comma-separated status filter ORs its statuses."""
    row = max(workflows, key=lambda w: w.runs_count or 0)
    page = client.workflows.runs.list(row.id, limit=100)
    assert page.pagination.total == row.runs_count == len(page.data)
    assert [r.created_at for r in page.data] == sorted(
        (r.created_at for r in page.data), reverse=True)
    assert sorted(r.run_number for r in page.data) == list(range(1, len(page.data) + 1))
    either = client.workflows.runs.list(row.id, status="completed,cancelled", limit=100)
    assert [r.id for r in either.data] == [
        r.id for r in page.data if r.status in {"completed", "cancelled"}]
    first = client.workflows.runs.list(row.id, limit=2)
    second = client.workflows.runs.list(row.id, offset=2, limit=2)
    assert [r.id for r in first.data + second.data] == [r.id for r in page.data[:4]]
    assert first.pagination.next is not None and first.pagination.prev is None


@pytest.mark.parametrize("sort", ["created_at", "started_at", "completed_at", "status"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_list_runs_sort_order(client: OnePinClient, workflows: list[onepin.WorkflowListItem],
                              sort: str, order: str) -> None:
    """sort/order order the runs by that field (values present), ties by id."""
    row = max(workflows, key=lambda w: w.runs_count or 0)
    page = client.workflows.runs.list(row.id, sort=sort, order=order, limit=100)
    assert page.pagination.total == row.runs_count
    present = [r for r in page.data if getattr(r, sort) is not None]
    assert present
    by_id = sorted(present, key=lambda r: r.id)
    # a stable sort keeps the id order among equal values, in both directions
    expected = sorted(by_id, key=lambda r: getattr(r, sort), reverse=order == "desc")
    assert [r.id for r in present] == [r.id for r in expected]


def test_list_runs_search_by_trigger(client: OnePinClient,
                                     workflows: list[onepin.WorkflowListItem]) -> None:
    """search matches the name of the user who triggered the run."""
    row = max(workflows, key=lambda w: w.runs_count or 0)
    everything = client.workflows.runs.list(row.id, limit=100).data
    name = next(r.triggered_by.user_name for r in everything if r.triggered_by)
    needle = name.split()[0].lower()
    found = client.workflows.runs.list(row.id, search=needle, limit=100)
    expected = [r.id for r in everything
                if r.triggered_by and needle in r.triggered_by.user_name.lower()]
    assert expected
    assert [r.id for r in found.data] == expected


# -- runs: one run in every status ----------------------------------------------------------


@pytest.mark.parametrize("status", STATUSES)
def test_get_run(client: OnePinClient, runs_by_status: dict[str, RunRef], status: str) -> None:
    """get returns the run detail with fields set as its status implies."""
    ref = runs_by_status[status]
    got = client.workflows.runs.get(ref.workflow_id, ref.run_id)
    assert isinstance(got, onepin.ApiResponseWorkflowRunDetailOut)
    run = got.data
    assert isinstance(run, onepin.WorkflowRunDetailOut)
    assert (run.id, run.workflow_id, run.status) == (ref.run_id, ref.workflow_id, status)
    assert (run.started_at is None) == (status == "pending")
    assert (run.completed_at is not None) == (status in TERMINAL)
    assert bool(run.has_export) == (status == "completed")
    assert bool(run.error) == (status == "failed")
    assert (run.credits is not None) == (status in TERMINAL)
    assert (run.paused_at is not None) == (status == "paused")
    assert run.total_nodes == len((run.definition_snapshot or {})["graph"]["nodes"])
    assert 0 <= (run.finished_steps or 0) <= (run.total_steps or 0)
    if status == "completed":
        assert run.finished_nodes == run.total_nodes
        assert run.finished_steps == run.total_steps
    if status == "pending":
        assert (run.finished_steps, run.token_cost) == (0, 0)
    listed = client.workflows.runs.list(ref.workflow_id, status=status, limit=100).data
    row = next(r for r in listed if r.id == ref.run_id)
    shared = set(onepin.WorkflowRunListItem.model_fields) & set(
        onepin.WorkflowRunDetailOut.model_fields)
    assert row.model_dump(include=shared) == run.model_dump(include=shared)


@pytest.mark.parametrize("status", STATUSES)
def test_run_status(client: OnePinClient, runs_by_status: dict[str, RunRef], status: str) -> None:
    """status carries the volatile fields of get, and no credits."""
    ref = runs_by_status[status]
    polled = client.workflows.runs.status(ref.workflow_id, ref.run_id)
    assert isinstance(polled, onepin.ApiResponseWorkflowRunStatusOut)
    assert isinstance(polled.data, onepin.WorkflowRunStatusOut)
    assert "credits" not in (polled.data.model_extra or {})
    detail = client.workflows.runs.get(ref.workflow_id, ref.run_id).data
    fields = set(onepin.WorkflowRunStatusOut.model_fields)
    assert polled.data.model_dump(include=fields) == detail.model_dump(include=fields)


@pytest.mark.parametrize("status", STATUSES)
def test_run_steps(client: OnePinClient, runs_by_status: dict[str, RunRef], status: str) -> None:
    """steps omit results by default, include them on request, and filter by node type and id."""
    ref = runs_by_status[status]
    steps = client.workflows.runs.steps(ref.workflow_id, ref.run_id)
    assert isinstance(steps, onepin.ApiResponseListWorkflowRunStepOut)
    assert all(isinstance(s, onepin.WorkflowRunStepOut) for s in steps.data)
    detail = client.workflows.runs.get(ref.workflow_id, ref.run_id).data
    if status == "pending":
        assert steps.data == []
        return
    assert all(s.result is None for s in steps.data)
    settled = [s for s in steps.data if s.status not in {"pending", "running"}]
    assert len(settled) == detail.finished_steps
    assert any(s.has_result for s in steps.data)
    full = client.workflows.runs.steps(ref.workflow_id, ref.run_id, include_result=True).data
    assert [s.id for s in full] == [s.id for s in steps.data]
    for step in full:
        assert (step.result is not None) == bool(step.has_result)
    failed = [s for s in steps.data if s.status == "failed"]
    assert bool(failed) == (status == "failed")
    if failed:
        assert failed[0].error == detail.error
    for node_type in {s.node_type for s in steps.data}:
        only = client.workflows.runs.steps(ref.workflow_id, ref.run_id, node_type=node_type)
        assert [s.id for s in only.data] == [
            s.id for s in steps.data if s.node_type == node_type]
    node_id = steps.data[-1].node_id
    by_node = client.workflows.runs.steps(ref.workflow_id, ref.run_id, node_id=node_id,
                                          include_result=True, node_type=steps.data[-1].node_type)
    assert [s.id for s in by_node.data] == [s.id for s in full if s.node_id == node_id]


@pytest.mark.parametrize("status", STATUSES)
def test_run_overview(client: OnePinClient, runs_by_status: dict[str, RunRef],
                      status: str) -> None:
    """overview names the workflow and run; metrics: none ready if pending, all if completed."""
    ref = runs_by_status[status]
    overview = client.workflows.get_run_overview(ref.workflow_id, ref.run_id)
    assert isinstance(overview, onepin.ApiResponseWorkflowRunOverviewOut)
    view = overview.data
    assert isinstance(view, onepin.WorkflowRunOverviewOut)
    detail = client.workflows.runs.get(ref.workflow_id, ref.run_id).data
    assert view.workflow.id == ref.workflow_id
    assert view.workflow.name == client.workflows.get(ref.workflow_id).data.name
    assert (view.run.id, view.run.status, view.run.run_number) == (
        ref.run_id, status, detail.run_number)
    assert (view.run.started_at, view.run.completed_at) == (detail.started_at,
                                                            detail.completed_at)
    assert bool(view.run.has_export) == (status == "completed")
    metrics = [m for section in view.metric_sections or [] for m in section.metrics or []]
    assert metrics
    if status == "pending":
        assert {m.status for m in metrics} == {"not_ready"}
    if status == "completed":
        assert {m.status for m in metrics} == {"available"}


@pytest.mark.parametrize("status", STATUSES)
def test_run_analysis(client: OnePinClient, runs_by_status: dict[str, RunRef],
                      status: str) -> None:
    """analysis reports the run's timing, audio, validators and credits blocks."""
    ref = runs_by_status[status]
    analysis = client.workflows.get_run_analysis(ref.workflow_id, ref.run_id)
    assert isinstance(analysis, onepin.ApiResponseWorkflowRunAnalysisOut)
    view = analysis.data
    assert isinstance(view, onepin.WorkflowRunAnalysisOut)
    detail = client.workflows.runs.get(ref.workflow_id, ref.run_id).data
    assert (view.run.id, view.run.status) == (ref.run_id, status)
    assert view.run.paused_ms == detail.paused_ms
    assert (view.run.duration_ms is None) == (status == "pending")
    if status == "completed" and detail.started_at and detail.completed_at:
        wall = (detail.completed_at - detail.started_at) / timedelta(milliseconds=1)
        assert view.run.duration_ms == pytest.approx(wall - (detail.paused_ms or 0), abs=1)
    if status == "pending":
        assert view.audio.status == "unavailable"
    if status == "completed":
        assert view.audio.status == "available"
        assert view.credits.status == "ok"
        assert view.credits.charged == detail.credits
    graph = (detail.definition_snapshot or {})["graph"]["nodes"]
    validators = [n["id"] for n in graph if n["type"].startswith("validator_")]
    assert [v.node_id for v in view.validators or []] == validators


@pytest.mark.parametrize("status", STATUSES)
def test_run_data(client: OnePinClient, runs_by_status: dict[str, RunRef], status: str) -> None:
    """data has one row per script line; cards appear once audio exists; partial flags live runs."""
    ref = runs_by_status[status]
    data = client.workflows.get_run_data(ref.workflow_id, ref.run_id, limit=100)
    assert isinstance(data, onepin.WorkflowRunDataResponse)
    view = data.data
    assert isinstance(view, onepin.WorkflowRunDataOut)
    assert (view.workflow_id, view.run_id, view.run_status) == (
        ref.workflow_id, ref.run_id, status)
    rows = view.rows or []
    assert rows and data.pagination.total == len(rows)
    assert [r.line_index for r in rows] == list(range(len(rows)))
    assert (view.partial.status == "available") == (status in TERMINAL)
    cards = [c for r in rows for c in r.cards or []]
    assert bool(cards) == _voiced(client, ref)  # a run failed before its generator has none
    for card in cards:
        assert isinstance(card, onepin.WorkflowRunDataCardOut)
        assert card.id.startswith(f"{ref.run_id}:")
        assert card.status != "dropped"


def test_run_data_filters(client: OnePinClient, runs_by_status: dict[str, RunRef]) -> None:
    """search narrows rows, language narrows cards only, include_dropped adds dropped takes."""
    ref = runs_by_status["completed"]
    full = client.workflows.get_run_data(ref.workflow_id, ref.run_id, limit=100)
    rows = full.data.rows or []
    locales = sorted({c.locale_code for r in rows for c in r.cards or [] if c.locale_code})
    assert len(locales) > 1

    word = (rows[1].script or "").split()[-1].strip(".,!?").upper()
    found = client.workflows.get_run_data(ref.workflow_id, ref.run_id, search=word, limit=100)
    expected = [r.id for r in rows if word.lower() in (r.script or "").lower()]
    assert [r.id for r in found.data.rows or []] == expected
    assert found.pagination.total == len(expected) >= 1

    locale = locales[-1]
    spelled = locale.replace("-", "_").upper()
    narrowed = client.workflows.get_run_data(ref.workflow_id, ref.run_id, language=spelled,
                                             limit=100)
    assert narrowed.pagination.total == full.pagination.total
    assert [r.id for r in narrowed.data.rows or []] == [r.id for r in rows]
    for before, after in zip(rows, narrowed.data.rows or [], strict=True):
        assert [c.id for c in after.cards or []] == [
            c.id for c in before.cards or [] if c.locale_code == locale]

    dropped_view = client.workflows.get_run_data(ref.workflow_id, ref.run_id,
                                                 include_dropped=True, limit=100)
    with_dropped = [c for r in dropped_view.data.rows or [] for c in r.cards or []]
    without = {c.id for r in rows for c in r.cards or []}
    extra = [c for c in with_dropped if c.id not in without]
    assert extra and all(c.status == "dropped" and c.dropped for c in extra)
    assert {c.id for c in with_dropped} >= without

    page = client.workflows.get_run_data(ref.workflow_id, ref.run_id, offset=2, limit=2)
    assert [r.id for r in page.data.rows or []] == [r.id for r in rows[2:4]]
    assert page.pagination.limit == 2 and page.pagination.total == len(rows)
    assert page.pagination.prev is not None and page.pagination.next is not None


@pytest.mark.parametrize("status", STATUSES)
def test_run_outputs(client: OnePinClient, runs_by_status: dict[str, RunRef],
                     status: str) -> None:
    """outputs lists every sink of the snapshot; only a completed run has delivered lines."""
    ref = runs_by_status[status]
    outputs = client.workflows.get_run_outputs(ref.workflow_id, ref.run_id)
    assert isinstance(outputs, onepin.ApiResponseWorkflowRunOutputsOut)
    view = outputs.data
    assert isinstance(view, onepin.WorkflowRunOutputsOut)
    detail = client.workflows.runs.get(ref.workflow_id, ref.run_id).data
    assert (view.run_id, view.run_status, view.credits) == (ref.run_id, status, detail.credits)
    assert [o.node_id for o in view.outputs] == _sink_ids(detail)
    for sink in view.outputs:
        assert isinstance(sink, onepin.WorkflowRunSinkOutputOut)
        assert sink.node_type == "sink_preview"
        assert sink.line_count == len(sink.lines)
        assert (sink.line_count > 0) == (status == "completed")
        for line in sink.lines:
            assert line.audio_files
            assert 0 <= (line.recommended_audio_file_index or 0) < len(line.audio_files)
            assert line.delivery is not None and line.delivery.passed


def test_completed_run_views_agree(client: OnePinClient,
                                   runs_by_status: dict[str, RunRef]) -> None:
    """A completed run's delivered lines agree across outputs, data, overview and analysis."""
    ref = runs_by_status["completed"]
    outputs = client.workflows.get_run_outputs(ref.workflow_id, ref.run_id).data
    data = client.workflows.get_run_data(ref.workflow_id, ref.run_id, limit=100).data
    overview = client.workflows.get_run_overview(ref.workflow_id, ref.run_id).data
    analysis = client.workflows.get_run_analysis(ref.workflow_id, ref.run_id).data
    delivered = [c for r in data.rows or [] for c in r.cards or [] if c.status == "delivered"]
    output_ids = [f["audio_id"] for sink in outputs.outputs for line in sink.lines
                  for f in line.audio_files or []]
    assert sorted(output_ids) == sorted(c.id.split(":", 1)[1] for c in delivered)
    metrics = {m.key: m for s in overview.metric_sections or [] for m in s.metrics or []}
    assert metrics["output_lines"].value == len(delivered)
    delivered_ms = sum(c.audio.duration_ms or 0 for c in delivered)
    assert analysis.audio.delivered_total_ms == delivered_ms
    assert sum(a.total_duration_ms for a in overview.audio_by_language or []) == delivered_ms


@pytest.mark.parametrize("status", ["running", "paused", "completed", "failed", "cancelled"])
def test_run_audio_url(client: OnePinClient, http: httpx.Client,
                       runs_by_status: dict[str, RunRef], status: str) -> None:
    """An audio id taken from a data card id resolves to a 15-minute link serving a WAV."""
    ref = runs_by_status[status]
    rows = client.workflows.get_run_data(ref.workflow_id, ref.run_id, limit=100).data.rows or []
    card = next((c for r in rows for c in r.cards or [] if c.audio.status == "available"), None)
    if card is None:  # nothing was voiced: the run stopped before its generator finished
        assert status != "completed" and not _voiced(client, ref)
        return
    run_id, audio_id = card.id.split(":")
    assert run_id == ref.run_id and len(audio_id) == 16
    link = client.workflows.get_run_audio_url(ref.workflow_id, ref.run_id, audio_id)
    assert isinstance(link, onepin.ApiResponseDownloadUrlOut)
    assert isinstance(link.data, onepin.DownloadUrlOut)
    assert link.data.filename.endswith(".wav")
    assert link.data.expires_at == FROZEN_AT + LINK_TTL
    response = _fetch(http, link.data.url)
    assert response.content[:4] == b"RIFF" and response.content[8:12] == b"WAVE"
    assert response.headers["content-type"].startswith("audio/wav")


def test_run_audio_url_from_outputs(client: OnePinClient, http: httpx.Client,
                                    runs_by_status: dict[str, RunRef]) -> None:
    """The audio ids listed in a completed run's outputs resolve to WAV links too."""
    ref = runs_by_status["completed"]
    outputs = client.workflows.get_run_outputs(ref.workflow_id, ref.run_id).data
    line = outputs.outputs[0].lines[-1]
    chosen = (line.audio_files or [])[line.recommended_audio_file_index or 0]
    link = client.workflows.get_run_audio_url(ref.workflow_id, ref.run_id, chosen["audio_id"])
    assert link.data.filename == f"{chosen['audio_id']}.wav"
    assert _fetch(http, link.data.url).content[:4] == b"RIFF"


@pytest.mark.parametrize("status", STATUSES)
def test_download_run(client: OnePinClient, http: httpx.Client,
                      runs_by_status: dict[str, RunRef], status: str) -> None:
    """download_run links a completed run's ZIP (manifest + WAVs); other runs get 409."""
    ref = runs_by_status[status]
    if status != "completed":
        with pytest.raises(ConflictError):
            client.workflows.download_run(ref.workflow_id, ref.run_id)
        return
    link = client.workflows.download_run(ref.workflow_id, ref.run_id)
    assert isinstance(link, onepin.ApiResponseDownloadUrlOut)
    assert link.data.filename.endswith(".zip") and ref.run_id in link.data.filename
    assert link.data.expires_at == FROZEN_AT + LINK_TTL
    archive = _zip(http, link.data.url)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["run_id"] == ref.run_id
    wavs = [n for n in archive.namelist() if n.endswith(".wav")]
    assert len(wavs) == manifest["line_count"] > 0
    assert archive.read(wavs[0])[:4] == b"RIFF"
    outputs = client.workflows.get_run_outputs(ref.workflow_id, ref.run_id).data
    assert manifest["line_count"] == sum(o.line_count for o in outputs.outputs)


@pytest.mark.parametrize("status", STATUSES)
def test_download_run_node(client: OnePinClient, http: httpx.Client,
                           runs_by_status: dict[str, RunRef], status: str) -> None:
    """download_run_node links one sink's ZIP for a completed run; other runs get 409."""
    ref = runs_by_status[status]
    detail = client.workflows.runs.get(ref.workflow_id, ref.run_id).data
    sink = _sink_ids(detail)[0]
    if status != "completed":
        with pytest.raises(ConflictError):
            client.workflows.download_run_node(ref.workflow_id, ref.run_id, sink)
        return
    link = client.workflows.download_run_node(ref.workflow_id, ref.run_id, sink)
    assert isinstance(link, onepin.ApiResponseDownloadUrlOut)
    assert link.data.filename.endswith(".zip") and sink in link.data.filename
    assert link.data.expires_at == FROZEN_AT + LINK_TTL
    archive = _zip(http, link.data.url)
    manifest = json.loads(archive.read("manifest.json"))
    assert (manifest["run_id"], manifest["node_id"]) == (ref.run_id, sink)
    sink_out = next(o for o in client.workflows.get_run_outputs(
        ref.workflow_id, ref.run_id).data.outputs if o.node_id == sink)
    assert manifest["line_count"] == sink_out.line_count
    assert sum(1 for n in archive.namelist() if n.endswith(".wav")) == sink_out.line_count


# -- async client ---------------------------------------------------------------------------


def test_async_client_reads_match_the_sync_client(server: MockServer, client: OnePinClient,
                                                  runs_by_status: dict[str, RunRef]) -> None:
    """The async client parses list/get/status/data in every run status like the sync one."""

    async def read_all() -> list[tuple[Any, ...]]:
        async with httpx.AsyncClient(timeout=30) as transport:
            aclient = AsyncOnePinClient(base_url=server.url, token=DEMO_KEY,
                                        httpx_client=transport, max_retries=0)
            listed = await aclient.workflows.list(status="running", sort=["name"], limit=100)
            assert isinstance(listed, onepin.ApiCountedListResponseWorkflowListItem)
            per_run = [
                asyncio.gather(
                    aclient.workflows.runs.list(ref.workflow_id, status=ref.status),
                    aclient.workflows.runs.get(ref.workflow_id, ref.run_id),
                    aclient.workflows.runs.status(ref.workflow_id, ref.run_id),
                    aclient.workflows.get_run_data(ref.workflow_id, ref.run_id,
                                                   include_dropped=True, limit=100),
                )
                for ref in runs_by_status.values()
            ]
            return [(listed,), *await asyncio.gather(*per_run)]

    (listed,), *per_run = asyncio.run(read_all())
    sync_listed = client.workflows.list(status="running", sort=["name"], limit=100)
    assert listed.data == sync_listed.data and listed.pagination == sync_listed.pagination
    for ref, (runs, run, status, data) in zip(runs_by_status.values(), per_run, strict=True):
        assert isinstance(runs, onepin.ApiCountedListResponseWorkflowRunListItem)
        assert isinstance(run, onepin.ApiResponseWorkflowRunDetailOut)
        assert isinstance(status, onepin.ApiResponseWorkflowRunStatusOut)
        assert isinstance(data, onepin.WorkflowRunDataResponse)
        assert runs.data == client.workflows.runs.list(ref.workflow_id, status=ref.status).data
        assert run.data == client.workflows.runs.get(ref.workflow_id, ref.run_id).data
        assert status.data == client.workflows.runs.status(ref.workflow_id, ref.run_id).data
        sync_data = client.workflows.get_run_data(ref.workflow_id, ref.run_id,
                                                  include_dropped=True, limit=100)
        assert data.pagination == sync_data.pagination
        assert _card_ids(data.data) == _card_ids(sync_data.data)
        assert (run.data.status, status.data.status, data.data.run_status) == (ref.status,) * 3


def _card_ids(view: onepin.WorkflowRunDataOut) -> list[tuple[str, list[str]]]:
    return [(r.id, [c.id for c in r.cards or []]) for r in view.rows or []]


# -- guard ----------------------------------------------------------------------------------


def _read_methods(sdk_client: Any, prefix: str) -> set[str]:
    """Public methods of one SDK resource client that only read (GET, or a POST estimate)."""
    raw = type(sdk_client.with_raw_response)
    found = set()
    for name in dir(sdk_client):
        if name.startswith("_") or name == "with_raw_response":
            continue
        if not callable(getattr(sdk_client, name)):
            continue
        source = inspect.getsource(getattr(raw, name))
        if 'method="GET"' in source or name in {"estimate_workflow", "preview_run"}:
            found.add(f"{prefix}.{name}")
    return found


def test_every_sdk_read_method_is_exercised() -> None:
    """Every read method of workflows, workflows.runs, nodes and auth is called in this module."""
    with httpx.Client() as transport:
        sdk = OnePinClient(base_url="http://127.0.0.1:9", token=DEMO_KEY, httpx_client=transport)
        reads = (_read_methods(sdk.workflows, "workflows")
                 | _read_methods(sdk.workflows.runs, "workflows.runs")
                 | _read_methods(sdk.nodes, "nodes")
                 | _read_methods(sdk.auth, "auth"))
    missing = sorted(reads - EXERCISED)
    assert not missing, f"SDK read methods not exercised by this module: {missing}"
    stale = sorted(EXERCISED - reads)
    assert not stale, f"names in EXERCISED that are not SDK read methods: {stale}"
    asdk = AsyncOnePinClient(base_url="http://127.0.0.1:9", token=DEMO_KEY,
                             httpx_client=httpx.AsyncClient())
    for path in ASYNC_EXERCISED:
        owner: Any = asdk
        for part in path.split("."):
            owner = getattr(owner, part)
        assert inspect.iscoroutinefunction(owner), path
