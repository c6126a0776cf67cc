"""Created records never take an existing record's id, even after an export is reloaded."""

from __future__ import annotations

from pathlib import Path

from support import KEY, make_settings, ok

from mockserver.app import create_app


def test_a_reloaded_export_keeps_its_records_when_new_ones_are_created(tmp_path: Path) -> None:
    first = create_app(make_settings()).test_client()
    dropped = ok(first.post("/api/v1/workflows", json={"name": "Dropped"}, headers=KEY), 201)
    kept = ok(first.post("/api/v1/workflows", json={"name": "Exported"}, headers=KEY), 201)
    ok(first.delete(f"/api/v1/workflows/{dropped['id']}", headers=KEY))  # the export shrinks
    exported = tmp_path / "export.yaml"
    exported.write_bytes(first.get("/__mock/state").get_data())

    # When the export is the fixtures of a new mock, and a workflow is created there
    reloaded = create_app(make_settings(fixtures_path=exported)).test_client()
    made = ok(reloaded.post("/api/v1/workflows", json={"name": "New"}, headers=KEY), 201)

    # Then the new one has an id of its own and the exported one is untouched
    assert made["id"] != kept["id"]
    assert ok(reloaded.get(f"/api/v1/workflows/{kept['id']}", headers=KEY))["name"] == "Exported"
    listed = ok(reloaded.get("/api/v1/workflows?limit=100", headers=KEY))
    assert len({w["id"] for w in listed}) == len(listed)
