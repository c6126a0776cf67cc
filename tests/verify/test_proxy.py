"""``onepin-mock proxy``: validation both ways, the three violation reports, recording."""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path

import httpx
import pytest
from drifted import DRIFTS

from mockserver.proxy.app import VIOLATION_HEADER
from mockserver.proxy.server import ProxyServer
from mockserver.settings import Settings
from mockserver.testing import DEMO_KEY, MockServer

KEY = {"Authorization": f"Bearer {DEMO_KEY}"}


def _reads(client: httpx.Client) -> list[httpx.Response]:
    """A client's usual reads: identity, a page of workflows, one workflow and its runs."""
    answers = [client.get("/api/v1/auth/whoami"), client.get("/api/v1/workflows?limit=3")]
    workflow_id = answers[-1].json()["data"][0]["id"]
    answers.append(client.get(f"/api/v1/workflows/{workflow_id}"))
    answers.append(client.get(f"/api/v1/workflows/{workflow_id}/runs"))
    run_id = answers[-1].json()["data"][0]["id"]
    answers.append(client.get(f"/api/v1/workflows/{workflow_id}/runs/{run_id}/status"))
    answers.append(client.get(f"/api/v1/workflows/{workflow_id}/runs/{run_id}"))
    answers.append(client.get(f"/api/v1/workflows/{workflow_id}/uploads"))
    anonymous = client.build_request("GET", f"/api/v1/workflows/{workflow_id}/markdown")
    del anonymous.headers["Authorization"]
    answers.append(client.send(anonymous))
    answers.append(client.get("/api/v1/workflows?limit=0"))  # invalid: a 422 from upstream
    return answers


def test_the_mock_behind_the_proxy_breaks_nothing(live_mock: MockServer) -> None:
    """Valid traffic to the mock passes unchanged: no header, an empty journal."""
    with ProxyServer(live_mock.url) as proxy, httpx.Client(base_url=proxy.url, timeout=60,
                                                           headers=KEY) as client:
        answers = _reads(client)
        assert [a.status_code for a in answers] == [200] * 7 + [401, 422]
        assert not [a for a in answers[:-1] if VIOLATION_HEADER in a.headers]
        # The invalid request is named as such; the mock's 422 for it is within contract.
        assert [v.split(":")[0] for v in answers[-1].headers.get_list(VIOLATION_HEADER)] == [
            "request request"]
        journal = client.get("/__mock/violations").json()["data"]
        assert [v["direction"] for e in journal for v in e["violations"]] == ["request"]
        assert client.get("/__mock/health").json()["status"] == "ok"


def test_each_drift_is_reported_in_header_log_and_journal(
        drifted_api: MockServer, caplog: pytest.LogCaptureFixture) -> None:
    """Every drift of the drifted API shows in a response header, a log line and the
    journal, under the request that met it."""
    caplog.set_level(logging.WARNING, logger="onepin-mock.proxy")
    with ProxyServer(drifted_api.url) as proxy, httpx.Client(base_url=proxy.url, timeout=60,
                                                             headers=KEY) as client:
        answers = _reads(client)
        journal = client.get("/__mock/violations").json()["data"]
    headers = " | ".join(v for a in answers for v in a.headers.get_list(VIOLATION_HEADER))
    logged = caplog.text
    recorded = " | ".join(v["message"] for e in journal for v in e["violations"])
    for drift, (_, words) in DRIFTS.items():
        short = _numbers_hidden(words[:60])
        assert short in _numbers_hidden(recorded), f"{drift} missing from the journal"
        assert short in _numbers_hidden(logged), f"{drift} missing from the log"
        assert short in _numbers_hidden(headers), f"{drift} missing from the headers"


def _numbers_hidden(text: str) -> str:
    """Totals differ with the page size asked for; the words must not."""
    return re.sub(r"\d+", "#", text)


def test_invalid_requests_are_reported_too(live_mock: MockServer) -> None:
    """A request the contract refuses is named as a request violation (and still sent)."""
    with ProxyServer(live_mock.url) as proxy, httpx.Client(base_url=proxy.url, timeout=60,
                                                           headers=KEY) as client:
        answer = client.get("/api/v1/workflows?limit=500")
        unknown = client.get("/api/v1/nowhere")
    assert answer.status_code == 422
    assert any(v.startswith("request request: limit:")
               for v in answer.headers.get_list(VIOLATION_HEADER))
    assert unknown.headers[VIOLATION_HEADER] == (
        "request operation: GET /api/v1/nowhere: no such path in openapi.yaml")


def test_a_recording_loads_back_and_serves_the_same_records(live_mock: MockServer,
                                                            tmp_path: Path) -> None:
    """Fixtures recorded through the proxy load into a new mock, which then serves the
    same workflows and runs, to a stand-in key; no real key is written down."""
    workspace = live_mock.create_workspace(workflow_count=3)
    with ProxyServer(live_mock.url, record=tmp_path) as proxy, httpx.Client(
            base_url=proxy.url, headers=workspace.headers, timeout=60) as client:
        listed = client.get("/api/v1/workflows").json()["data"]
        details = {w["id"]: client.get(f"/api/v1/workflows/{w['id']}").json()["data"]
                   for w in listed}
        runs = {w["id"]: client.get(f"/api/v1/workflows/{w['id']}/runs").json()["data"]
                for w in listed}
    text = (tmp_path / "fixtures.yaml").read_text(encoding="utf-8")
    assert workspace.api_key not in text
    settings = dataclasses.replace(Settings(), fixtures_path=tmp_path / "fixtures.yaml")
    with MockServer(settings) as replay:
        key = replay.world.fixtures.api_keys  # the stand-in key of the recording
        stand_in = next(k.secret for k in key.values() if k.workspace_id == workspace.id)
        with httpx.Client(base_url=replay.url, timeout=60,
                          headers={"Authorization": f"Bearer {stand_in}"}) as client:
            for workflow_id, detail in details.items():
                again = client.get(f"/api/v1/workflows/{workflow_id}").json()["data"]
                for field in ("name", "description", "definition", "created_at"):
                    assert again[field] == detail[field], field
                replayed = client.get(f"/api/v1/workflows/{workflow_id}/runs").json()["data"]
                assert {(r["id"], r["status"]) for r in replayed} == {
                    (r["id"], r["status"]) for r in runs[workflow_id]}
