"""SDK cases: uploads (create, confirm, delete); the bytes go to ``upload_url`` over raw HTTP."""

from __future__ import annotations

from typing import Any

from .cases import Call, Kit, SdkCase, expect, table
from .scene import Scene

SCRIPT = b"Welcome aboard.\nPlease keep your seat belt fastened while seated.\n"


def _create_build(scene: Scene, kit: Kit) -> Call:
    return Call(kwargs={"filename": "conformance.txt", "category": "script",
                        "workspace_id": scene.workspace_id})


def _create_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(data.upload.status == "pending", f"status {data.upload.status!r}")
    expect(data.upload.filename == "conformance.txt", f"filename {data.upload.filename!r}")
    put = scene.put_bytes(data.upload_url, SCRIPT, data.upload.content_type)
    expect(put.status_code == 200, f"PUT to upload_url -> {put.status_code}")


def _confirm_build(scene: Scene, kit: Kit) -> Call:
    upload_id = scene.stored_upload("conformance.txt", SCRIPT)
    return Call((upload_id,), {"context_type": "workflow",
                               "context_id": scene.seeds.workflow_id})


def _confirm_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(data.status == "uploaded", f"status {data.status!r}")
    expect(data.size_bytes == len(SCRIPT), f"size_bytes {data.size_bytes}")
    expect(data.line_count == 2, f"line_count {data.line_count}")
    listed = scene.get(f"/api/v1/workflows/{call.kwargs['context_id']}/uploads", limit=100)
    expect(data.id in {u["id"] for u in listed}, "not listed on its workflow")
    expect(scene.fetch(str(data.download_url)).content == SCRIPT, "download differs")


def _delete_build(scene: Scene, kit: Kit) -> Call:
    return Call((scene.stored_upload("to-delete.txt", SCRIPT),),
                {"workspace_id": scene.workspace_id})


def _delete_check(result: Any, call: Call, scene: Scene) -> None:
    expect(scene.http.delete(f"/api/v1/uploads/{call.args[0]}").status_code == 404,
           "a deleted upload can be deleted again")


CASES = table(
    SdkCase("uploads.create", "POST /api/v1/uploads", _create_build, _create_check),
    SdkCase("uploads.confirm", "POST /api/v1/uploads/{upload_id}", _confirm_build,
            _confirm_check),
    SdkCase("uploads.delete", "DELETE /api/v1/uploads/{upload_id}", _delete_build,
            _delete_check),
)
