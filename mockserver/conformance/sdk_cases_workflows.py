"""SDK cases: workflow CRUD, listing, markdown, uploads, validation, estimates."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .cases import Call, Kit, SdkCase, expect, table
from .scene import Scene

SCRIPT = "Welcome aboard.\nPlease keep your seat belt fastened while seated."


def _definition(scene: Scene, kit: Kit) -> Any:
    return kit.model("WorkflowDefinitionInput", scene.seeds.definition)


def _wf(scene: Scene) -> str:
    return scene.seeds.workflow_id


# -- list / get / markdown ---------------------------------------------------------------


def _list_build(scene: Scene, kit: Kit) -> Call:
    return Call(kwargs={"status": "completed", "sort": ["runs_count", "name"],
                        "order": ["desc", "asc"], "limit": 5, "include_definition": True})


def _list_check(result: Any, call: Call, scene: Scene) -> None:
    rows = result.data
    expect(0 < len(rows) <= 5, f"{len(rows)} rows for limit=5")
    expect(all(r.last_run_status == "completed" for r in rows), "status filter not applied")
    counts = [r.runs_count for r in rows]
    expect(counts == sorted(counts, reverse=True), f"runs_count not descending: {counts}")
    expect(result.pagination.total >= len(rows), "pagination.total below the page size")
    if call.kwargs.get("include_definition"):
        expect(all(r.definition for r in rows), "include_definition=true without definitions")


def _get_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(data.id == call.args[0], f"id {data.id!r}")
    expect("graph" in data.definition, "definition without a graph")
    counts = data.run_status_counts
    total = sum(getattr(counts, s) or 0 for s in
                ("pending", "running", "completed", "failed", "cancelled", "paused"))
    expect(total == data.runs_count, f"run_status_counts sum {total} != {data.runs_count}")


def _markdown_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(data.workflow_id == call.args[0], f"workflow_id {data.workflow_id!r}")
    first = data.markdown.splitlines()[0] if data.markdown else ""
    expect(first == f"# {data.name}", f"first markdown line {first!r}")


def _uploads_build(scene: Scene, kit: Kit) -> Call:
    return Call((scene.seeds.uploads_workflow_id,), {"limit": 10, "offset": 0})


def _uploads_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.pagination.limit == 10, f"pagination.limit {result.pagination.limit}")
    for upload in result.data:
        expect(upload.category in ("script", "dictionary"), f"category {upload.category!r}")
        expect(upload.status == "uploaded", f"status {upload.status!r}")


def _name_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.name == "Conformance availability probe", f"name {result.data.name!r}")
    expect(result.data.available is True, "a fresh name is not available")


# -- writes ------------------------------------------------------------------------------


def _create_build(scene: Scene, kit: Kit) -> Call:
    return Call(kwargs={"name": "Conformance create", "description": "Made by the matrix",
                        "definition": _definition(scene, kit)})


def _create_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    scene.track(data.id)
    expect(data.name == "Conformance create", f"name {data.name!r}")
    expect(data.description == "Made by the matrix", f"description {data.description!r}")
    expect(not data.runs_count, f"runs_count {data.runs_count}")
    expect(scene.status_of(f"/api/v1/workflows/{data.id}") == 200, "not readable afterwards")


def _put_build(scene: Scene, kit: Kit) -> Call:
    return Call((scene.fresh_workflow(),), {"name": "Conformance PUT",
                                           "definition": _definition(scene, kit),
                                           "description": "Replaced"})


def _put_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.name == "Conformance PUT", f"name {result.data.name!r}")
    expect(result.data.description == "Replaced", f"description {result.data.description!r}")


def _patch_build(scene: Scene, kit: Kit) -> Call:
    return Call((scene.fresh_workflow(),), {"name": "Conformance PATCH"})


def _patch_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.name == "Conformance PATCH", f"name {result.data.name!r}")
    expect(result.data.definition == scene.seeds.definition, "PATCH of the name changed "
           "the definition")


def _fresh(scene: Scene, kit: Kit) -> Call:
    return Call((scene.fresh_workflow(),))


def _delete_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data == {"deleted": True}, f"data {result.data!r}")
    status = scene.status_of(f"/api/v1/workflows/{call.args[0]}")
    expect(status == 404, f"GET after delete answered {status}")


def _duplicate_check(result: Any, call: Call, scene: Scene) -> None:
    scene.track(result.data.id)
    expected = f"{scene.seeds.workflow_name} (Copy)"
    expect(result.data.name == expected, f"name {result.data.name!r}")
    expect(result.data.id != call.args[0], "the copy has the original's id")
    expect(not result.data.runs_count, f"runs_count {result.data.runs_count}")


def _validate_build(scene: Scene, kit: Kit) -> Call:
    return Call(kwargs={"definition": _definition(scene, kit)})


def _validate_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.valid is True, f"valid={result.data.valid}, errors={result.data.errors}")
    expect(not result.data.errors, f"errors {result.data.errors}")


# -- estimates and summary ---------------------------------------------------------------


def _estimate_build(scene: Scene, kit: Kit) -> Call:
    request = kit.model("WorkflowRunStartIn", {"script_text": SCRIPT, "source_language": "en-us"})
    return Call((_wf(scene),), {"request": request})


def _estimate_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(data.min_credits <= data.expected_credits <= data.max_credits,
           f"credits not ordered: {data.min_credits}/{data.expected_credits}/{data.max_credits}")
    expect(data.breakdown, "empty breakdown")
    expect(data.can_run is (data.min_credits <= data.current_balance), "can_run disagrees")


def _summary_build(scene: Scene, kit: Kit) -> Call:
    return Call((_wf(scene),), {"from_": datetime(2020, 1, 1, tzinfo=UTC),
                                "to": datetime(2030, 1, 1, tzinfo=UTC)})


def _summary_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    parts = (data.completed, data.failed, data.cancelled, data.pending, data.running,
             data.paused)
    expect(data.total_runs == sum(parts), f"total_runs {data.total_runs} != sum {sum(parts)}")
    expect(data.completed >= 1, "the seeded completed run is not counted")
    expect(data.pass_rate is None or 0 <= data.pass_rate <= 1, f"pass_rate {data.pass_rate}")


def _wf_only(scene: Scene, kit: Kit) -> Call:
    return Call((_wf(scene),))


def _name_build(scene: Scene, kit: Kit) -> Call:
    return Call(kwargs={"name": "  Conformance availability probe  "})


_BASE = "/api/v1/workflows"
_ONE = f"{_BASE}/{{workflow_id}}"

CASES = table(
    SdkCase("workflows.list", f"GET {_BASE}", _list_build, _list_check),
    SdkCase("workflows.get", f"GET {_ONE}", _wf_only, _get_check),
    SdkCase("workflows.get_workflow_markdown", f"GET {_ONE}/markdown", _wf_only,
            _markdown_check),
    SdkCase("workflows.list_workflow_uploads", f"GET {_ONE}/uploads", _uploads_build,
            _uploads_check),
    SdkCase("workflows.check_workflow_name_availability", f"GET {_BASE}/name-availability",
            _name_build, _name_check),
    SdkCase("workflows.create_workflow", f"POST {_BASE}", _create_build, _create_check),
    SdkCase("workflows.update_workflow", f"PUT {_ONE}", _put_build, _put_check),
    SdkCase("workflows.patch_workflow", f"PATCH {_ONE}", _patch_build, _patch_check),
    SdkCase("workflows.delete_workflow", f"DELETE {_ONE}", _fresh, _delete_check),
    SdkCase("workflows.duplicate_workflow", f"POST {_ONE}/duplicate", _wf_only,
            _duplicate_check),
    SdkCase("workflows.validate_workflow", f"POST {_BASE}/validate", _validate_build,
            _validate_check),
    SdkCase("workflows.estimate_workflow", f"POST {_ONE}/estimate", _estimate_build,
            _estimate_check),
    # No request body: 0.16.1 then sends a JSON content type and nothing else.
    SdkCase("workflows.preview_run", f"POST {_ONE}/runs/preview", _wf_only, _estimate_check),
    SdkCase("workflows.runs_summary", f"GET {_ONE}/runs/summary", _summary_build,
            _summary_check),
)
