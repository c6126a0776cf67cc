"""Errors through the official SDK (onepin 0.16.1): status, and the documented envelope.

Every body is read with the CLI's own error parser (``onepin._cli._http``) and validated
as the SDK's ``ApiErrorResponse`` model. Runs here stay active (real-time run speed), so a
second start meets the first one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from conformance_support import ULID, RequestLog, live_server
from onepin import OnePinClient
from onepin._cli._http import _parse_error_envelope
from onepin.core.api_error import ApiError
from onepin.types import ApiErrorResponse
from support import GLOBEX

from mockserver.conformance.scene import Scene
from mockserver.testing import DEMO_KEY, READ_ONLY_KEY, MockServer


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[MockServer, RequestLog]]:
    with live_server(run_speed=1.0) as pair:
        yield pair


@pytest.fixture(scope="module")
def scene(live: tuple[MockServer, RequestLog]) -> Iterator[Scene]:
    scene = Scene(live[0].url)
    yield scene
    scene.cleanup()
    scene.close()


def client(live: tuple[MockServer, RequestLog], token: str | None = DEMO_KEY) -> OnePinClient:
    return OnePinClient(base_url=live[0].url, token=token)


def failure(call: Callable[[], Any], status: int, code: str) -> ApiErrorResponse:
    """Run ``call``; it must raise ``status`` with an envelope carrying ``code``."""
    with pytest.raises(ApiError) as raised:
        call()
    error = raised.value
    assert error.status_code == status, error.body
    parsed = _parse_error_envelope(error.body)
    assert parsed.get("code") == code, parsed
    assert parsed.get("message"), parsed
    assert ULID.match(parsed.get("request_id", "")), parsed
    return ApiErrorResponse.model_validate(error.body)


def fields(envelope: ApiErrorResponse) -> set[str]:
    return {detail.field for detail in envelope.error.details or []}


@pytest.mark.parametrize("token", [None, "op_live_conformanceUnknownKeyZZZZZZZZZ",
                                   "op_test_conformanceReservedPrefixKey00"],
                         ids=["missing key", "unknown key", "reserved op_test_ prefix"])
def test_401_invalid_api_key(live: tuple[MockServer, RequestLog], token: str | None) -> None:
    """A missing, unknown or reserved-prefix key is 401 INVALID_API_KEY."""
    failure(lambda: client(live, token).workflows.list(), 401, "INVALID_API_KEY")


def test_403_missing_scope(live: tuple[MockServer, RequestLog]) -> None:
    """The read-only key may not write: 403 FORBIDDEN, and nothing is created."""
    before = client(live).workflows.list(limit=1).pagination.total
    failure(lambda: client(live, READ_ONLY_KEY).workflows.create_workflow(name="Denied"),
            403, "FORBIDDEN")
    assert client(live).workflows.list(limit=1).pagination.total == before


def test_403_workspace_mismatch(live: tuple[MockServer, RequestLog], scene: Scene) -> None:
    """X-Workspace-Id of the other workspace with an Acme key is 403 FORBIDDEN."""
    failure(lambda: client(live).workflows.get(scene.seeds.workflow_id, workspace_id=GLOBEX),
            403, "FORBIDDEN")


def test_404_after_delete(live: tuple[MockServer, RequestLog], scene: Scene) -> None:
    """A deleted workflow is 404 NOT_FOUND for reads, runs and a second delete."""
    sdk = client(live)
    workflow_id = scene.fresh_workflow()
    sdk.workflows.delete_workflow(workflow_id)
    failure(lambda: sdk.workflows.get(workflow_id), 404, "NOT_FOUND")
    failure(lambda: sdk.workflows.runs.list(workflow_id), 404, "NOT_FOUND")
    failure(lambda: sdk.workflows.delete_workflow(workflow_id), 404, "NOT_FOUND")


def test_409_second_start_after_three_attempts(live: tuple[MockServer, RequestLog],
                                               scene: Scene) -> None:
    """A second start while the first run is active is 409 CONFLICT, sent three times. The
    first run is held (the clock frozen until clean-up), so it is still active however long
    the SDK's retries take."""
    log = live[1]
    sdk = client(live)
    try:
        workflow_id, first_id = scene.held_run()
        path = f"/api/v1/workflows/{workflow_id}/runs"
        assert sdk.workflows.runs.status(workflow_id, first_id).data.status == "pending"
        failure(lambda: sdk.workflows.runs.start(workflow_id), 409, "CONFLICT")
        assert log.count("POST", path) == 1 + 3  # the SDK retries 409 twice (max_retries=2)
        journal = httpx.get(f"{live[0].url}/__mock/requests",
                            params={"method": "POST", "path": path, "limit": 100})
        if journal.status_code == 200:  # the server's own journal, where it exists, agrees
            assert [e["status"] for e in journal.json()["data"]] == [202, 409, 409, 409]
        runs = sdk.workflows.runs.list(workflow_id)
        assert [run.id for run in runs.data] == [first_id], "a refused start created a run"
    finally:
        scene.cleanup()  # cancels the held run and gives back real time


def test_422_limit_over_100(live: tuple[MockServer, RequestLog]) -> None:
    """limit=101 is 422 VALIDATION_ERROR with a detail for the limit parameter."""
    envelope = failure(lambda: client(live).workflows.list(limit=101), 422, "VALIDATION_ERROR")
    assert fields(envelope) == {"limit"}


def test_422_naive_datetime_in_runs_summary(live: tuple[MockServer, RequestLog],
                                            scene: Scene) -> None:
    """A datetime without an offset in runs summary is 422 with a detail for ``from``."""
    naive = {"additional_query_parameters": {"from": "2026-11-01T00:00:00"}}
    envelope = failure(lambda: client(live).workflows.runs_summary(
        scene.seeds.workflow_id, request_options=naive), 422, "VALIDATION_ERROR")
    assert fields(envelope) == {"from"}


@pytest.mark.parametrize("status", ["bogus", "completed,,failed", "Completed"])
def test_422_bad_run_status_filter(live: tuple[MockServer, RequestLog], scene: Scene,
                                   status: str) -> None:
    """An unknown, empty or wrongly cased run status filter is 422 on ``status``."""
    envelope = failure(lambda: client(live).workflows.runs.list(
        scene.seeds.workflow_id, status=status), 422, "VALIDATION_ERROR")
    assert fields(envelope) == {"status"}


def test_422_bad_workflow_status_filter(live: tuple[MockServer, RequestLog]) -> None:
    """A run status that is no workflow-list bucket (``cancelled``) is 422 on ``status``."""
    envelope = failure(lambda: client(live).workflows.list(status="cancelled"), 422,
                       "VALIDATION_ERROR")
    assert fields(envelope) == {"status"}
