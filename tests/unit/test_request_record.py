"""The request record: one per request, filled by the pipeline, read by the journal, gone
with its request; and the bounded memo of request URLs links are built from."""

from __future__ import annotations

from typing import Any

from flask import Flask
from support import ACME, KEY, ok

from mockserver import request_record
from mockserver.app import mock_of
from mockserver.request_urls import RequestUrls


def last_entry(app: Flask) -> dict[str, Any]:
    entries: list[dict[str, Any]] = ok(app.test_client().get("/__mock/requests"))
    return entries[-1]


def test_the_journal_reads_what_the_pipeline_learned(app: Flask) -> None:
    client = app.test_client()
    answer = client.post("/api/v1/workflows", headers=KEY, json={"name": ""})
    assert answer.status_code == 422
    entry = last_entry(app)
    assert entry["operation_id"] == "create_workflow" and entry["workspace_id"] == ACME
    assert entry["request_id"] == answer.get_json()["meta"]["request_id"]
    assert entry["request_body"] == '{"name":""}'
    assert entry["validation"] == "failed" and entry["attribution"] == "spec_violation"
    forced = client.get("/api/v1/workflows", headers={**KEY, "Prefer": "code=404"})
    assert forced.status_code == 404
    assert last_entry(app)["attribution"] == "forced"


def test_a_request_no_operation_answered_has_an_empty_record(app: Flask) -> None:
    client = app.test_client()
    client.post("/api/v1/workflows", headers=KEY, json={"name": ""})
    assert client.get("/api/v1/nowhere", headers=KEY).status_code == 404
    entry = last_entry(app)
    assert entry["path"] == "/api/v1/nowhere"
    assert entry["operation_id"] is None and entry["workspace_id"] is None
    assert entry["request_id"] is None and entry["validation"] == "not_checked"


def test_a_record_ends_with_its_request(app: Flask) -> None:
    app.test_client().get("/api/v1/workflows", headers=KEY)
    assert request_record.current().operation_id is None


def test_a_request_answered_inside_another_gives_the_outer_record_back(app: Flask) -> None:
    with app.test_request_context("/outer"):
        outer = request_record.begin()
        outer.operation_id = "outer"
        app.test_client().get("/api/v1/workflows", headers=KEY)
        assert request_record.current() is outer
        request_record.end()
    assert request_record.current().operation_id is None


def test_links_are_built_from_each_request_host(app: Flask) -> None:
    client = app.test_client()
    for port in (9000, 9001, 9000):
        page = client.get("/api/v1/workflows?limit=1", headers={**KEY, "Host": f"localhost:{port}"})
        assert ok(page)
        assert page.get_json()["pagination"]["next"].startswith(
            f"http://localhost:{port}/api/v1/workflows?")
    assert len(mock_of(app).pipeline.request_urls) >= 2


def test_request_urls_are_kept_up_to_their_bound(app: Flask) -> None:
    urls = RequestUrls(bound=8)
    for port in range(9000, 9030):
        with app.test_request_context("/api/v1/workflows", base_url=f"http://localhost:{port}"):
            assert urls() == (f"http://localhost:{port}",
                              f"http://localhost:{port}/api/v1/workflows")
        assert len(urls) <= 8
    assert len(urls) == 8
