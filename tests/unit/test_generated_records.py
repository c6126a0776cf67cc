"""Generated records are realistic and always valid against openapi.yaml (a property)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import make_settings

from mockserver.app import create_app, mock_of
from mockserver.world.state.fixtures import ROLES
from mockserver.world.state.links import Link
from mockserver.world.views.run_views import RunView
from mockserver.world.views.workflow_views import aggregates, workflow_out

NOW = datetime(2026, 11, 15, 12, tzinfo=UTC)
VIEW_SCHEMAS = {
    "out": "WorkflowRunOut", "status_out": "WorkflowRunStatusOut",
    "detail_out": "WorkflowRunDetailOut", "list_item": "WorkflowRunListItem",
    "overview": "WorkflowRunOverviewOut", "analysis": "WorkflowRunAnalysisOut",
    "outputs": "WorkflowRunOutputsOut",
}


def _link(audio_id: str) -> Link:
    return Link(f"http://mock/files/{audio_id}", NOW)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(min_value=0, max_value=2**31))
def test_every_generated_record_matches_its_schema(seed: int) -> None:
    """For any seed, every workflow and every run view validates against its schema."""
    app = create_app(make_settings(seed=seed))
    spec, world = mock_of(app).spec, mock_of(app).world
    statuses = set()
    for workspace_id in world.fixtures.workspaces:
        state = world.workspace(workspace_id)
        for workflow in state.workflows.values():
            agg = aggregates(state.runs_of(workflow.id), NOW, world.run_statuses)
            out = workflow_out(workflow, agg)
            spec.schema_validator("WorkflowOut").validate(out)
            for run in state.runs_of(workflow.id):
                view = RunView(run, workflow, NOW, world.catalog, _link)
                statuses.add(view.status)
                for method, schema in VIEW_SCHEMAS.items():
                    spec.schema_validator(schema).validate(getattr(view, method)())
                for step in view.steps(include_result=True, node_type=None, node_id=None):
                    spec.schema_validator("WorkflowRunStepOut").validate(step)
                rows = view.data_rows(search=None, language=None, include_dropped=True)
                spec.schema_validator("WorkflowRunDataOut").validate(view.data_out(rows))
    assert statuses == {"pending", "running", "paused", "completed", "failed", "cancelled"}


def test_seeded_workspace_is_realistic() -> None:
    """About 25 workflows, graphs built from the catalog, runs and uploads for many of them."""
    app = create_app(make_settings())
    world = mock_of(app).world
    state = world.workspace(next(iter(world.fixtures.workspaces)))
    assert len(state.workflows) == 25
    node_types = {n["type"] for w in state.workflows.values()
                  for n in w.definition["graph"]["nodes"]}
    assert {"source_script", "operator_generator", "sink_preview"} <= node_types
    assert any(t.startswith("validator_") for t in node_types)
    assert len({r.workflow_id for r in state.runs.values()}) >= 12
    assert len({u.workflow_id for u in state.uploads.values()}) >= 5
    names = [w.name for w in state.workflows.values()]
    assert "Untitled workflow" in names and len(set(names)) > 15


def test_seeded_runs_are_started_by_members_who_may_start_runs() -> None:
    """Every seeded run's triggered_by user holds, in its workspace, at least the role
    openapi.yaml requires to start a run (x-onepin-min-role of start_run)."""
    app = create_app(make_settings())
    spec, world = mock_of(app).spec, mock_of(app).world
    minimum = next(op.min_role for op in spec.operations if op.operation_id == "start_run")
    assert minimum is not None
    runs, refused = 0, []
    for workspace_id in world.fixtures.workspaces:
        for run in world.workspace(workspace_id).runs.values():
            runs += 1
            role = world.fixtures.role_of(workspace_id, run.triggered_by["user_id"])
            if role is None or ROLES.index(role) < ROLES.index(minimum):
                refused.append((run.id, role))
    assert runs > 50
    assert refused == []
