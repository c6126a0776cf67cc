"""SDK cases: runs (list, start, reads, controls, views, links)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .cases import Call, Kit, SdkCase, expect, table
from .scene import ACTIVE, Scene
from .sdk_cases_workflows import SCRIPT

_RUN = "/api/v1/workflows/{workflow_id}/runs/{run_id}"


def _seeded(scene: Scene, kit: Kit) -> Call:
    return Call((scene.seeds.workflow_id, scene.seeds.run_id))


def _is_run(call: Call) -> Any:
    def check(data: Any) -> None:
        expect(data.id == call.args[1], f"run id {data.id!r}")

    return check


# -- list / start ------------------------------------------------------------------------


def _list_build(scene: Scene, kit: Kit) -> Call:
    return Call((scene.seeds.workflow_id,), {"status": "completed", "sort": "created_at",
                                             "order": "asc", "limit": 3})


def _list_check(result: Any, call: Call, scene: Scene) -> None:
    rows = result.data
    expect(0 < len(rows) <= 3, f"{len(rows)} rows for limit=3")
    expect(all(r.status == "completed" for r in rows), "status filter not applied")
    created = [r.created_at for r in rows]
    expect(created == sorted(created), "created_at not ascending")
    expect(result.pagination.total >= len(rows), "pagination.total below the page size")


def _start_build(scene: Scene, kit: Kit) -> Call:
    request = kit.model("WorkflowRunStartIn", {"script_text": SCRIPT, "source_language": "en-us"})
    return Call((scene.fresh_workflow(),), {"request": request})


def _start_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(data.workflow_id == call.args[0], f"workflow_id {data.workflow_id!r}")
    expect(data.status in ("pending", "running"), f"status {data.status!r}")
    expect(data.run_number == 1, f"run_number {data.run_number}")


# -- reads of the seeded completed run ---------------------------------------------------


def _get_check(result: Any, call: Call, scene: Scene) -> None:
    _is_run(call)(result.data)
    expect(result.data.status == "completed", f"status {result.data.status!r}")
    expect(result.data.has_export is True, "has_export is not true")
    expect("graph" in (result.data.definition_snapshot or {}), "snapshot without a graph")


def _status_check(result: Any, call: Call, scene: Scene) -> None:
    _is_run(call)(result.data)
    expect(result.data.status == "completed", f"status {result.data.status!r}")
    expect(result.data.completed_at is not None, "completed run without completed_at")


def _steps_build(scene: Scene, kit: Kit) -> Call:
    return Call(_seeded(scene, kit).args, {"node_type": "operator_generator"})


def _steps_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data, "no steps")
    kinds = {step.node_type for step in result.data}
    expect(kinds == {"operator_generator"}, f"node_type filter not applied: {sorted(kinds)}")


def _overview_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.run.id == call.args[1], f"run.id {result.data.run.id!r}")
    expect(result.data.workflow.id == call.args[0], f"workflow.id {result.data.workflow.id!r}")


def _analysis_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.run.id == call.args[1], f"run.id {result.data.run.id!r}")
    expect(result.data.audio.status in ("available", "partial"), "no audio for a completed "
           f"run: {result.data.audio.status!r}")


def _data_build(scene: Scene, kit: Kit) -> Call:
    return Call(_seeded(scene, kit).args, {"limit": 2, "offset": 0, "include_dropped": False})


def _data_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(data.run_id == call.args[1], f"run_id {data.run_id!r}")
    expect(0 < len(data.rows or []) <= 2, f"{len(data.rows or [])} rows for limit=2")
    expect(result.pagination.total >= len(data.rows or []), "pagination.total below page")


def _outputs_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.run_id == call.args[1], f"run_id {result.data.run_id!r}")
    sinks = [o.node_id for o in result.data.outputs]
    expect(scene.seeds.sink_node_id in sinks, f"sink {scene.seeds.sink_node_id} not in {sinks}")


def _link_check(content_type: str) -> Any:
    def check(result: Any, call: Call, scene: Scene) -> None:
        data = result.data
        expect(data.expires_at > datetime.now(UTC), f"expires_at {data.expires_at} is past")
        fetched = scene.fetch(data.url)
        expect(fetched.status_code == 200, f"link answered {fetched.status_code}")
        served = fetched.headers.get("content-type", "")
        expect(served.startswith(content_type), f"link served {served!r}")

    return check


def _audio_build(scene: Scene, kit: Kit) -> Call:
    return Call((*_seeded(scene, kit).args, scene.seeds.audio_id))


def _node_build(scene: Scene, kit: Kit) -> Call:
    return Call((*_seeded(scene, kit).args, scene.seeds.sink_node_id))


# -- controls on fresh runs --------------------------------------------------------------


def _held_run(scene: Scene, kit: Kit) -> Call:
    return Call(scene.held_run())


def _paused_run(scene: Scene, kit: Kit) -> Call:
    return Call(scene.paused_run())


def _pause_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    draining = data.status == "running" and data.pause_requested_at is not None
    expect(data.status == "paused" or draining, f"status {data.status!r} after pause")


def _resume_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.status in ACTIVE[:2], f"status {result.data.status!r} after resume")


def _cancel_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.status == "cancelled", f"status {result.data.status!r} after cancel")


CASES = table(
    SdkCase("workflows.runs.list", "GET /api/v1/workflows/{workflow_id}/runs", _list_build,
            _list_check),
    SdkCase("workflows.runs.start", "POST /api/v1/workflows/{workflow_id}/runs", _start_build,
            _start_check),
    SdkCase("workflows.runs.get", f"GET {_RUN}", _seeded, _get_check),
    SdkCase("workflows.runs.status", f"GET {_RUN}/status", _seeded, _status_check),
    SdkCase("workflows.runs.steps", f"GET {_RUN}/steps", _steps_build, _steps_check),
    SdkCase("workflows.runs.cancel", f"POST {_RUN}/cancel", _held_run, _cancel_check),
    SdkCase("workflows.pause_run", f"POST {_RUN}/pause", _held_run, _pause_check),
    SdkCase("workflows.resume_run", f"POST {_RUN}/resume", _paused_run, _resume_check),
    SdkCase("workflows.get_run_overview", f"GET {_RUN}/overview", _seeded, _overview_check),
    SdkCase("workflows.get_run_analysis", f"GET {_RUN}/analysis", _seeded, _analysis_check),
    SdkCase("workflows.get_run_data", f"GET {_RUN}/data", _data_build, _data_check),
    SdkCase("workflows.get_run_outputs", f"GET {_RUN}/outputs", _seeded, _outputs_check),
    SdkCase("workflows.download_run", f"GET {_RUN}/download", _seeded,
            _link_check("application/zip")),
    SdkCase("workflows.download_run_node", f"GET {_RUN}/nodes/{{node_id}}/download",
            _node_build, _link_check("application/zip")),
    SdkCase("workflows.get_run_audio_url", f"GET {_RUN}/audio/{{audio_id}}/url", _audio_build,
            _link_check("audio/wav")),
)
