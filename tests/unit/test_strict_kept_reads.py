"""Strict mode on kept reads (response_check.py): a kept ``data`` is checked whole the
first time it is sent, and after that only the envelope around it, which every answer
builds anew. Strict mode must stay strict: a bad ``meta`` or ``pagination`` around data
checked before is still refused, and data that failed is never taken as checked."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from support import KEY, MULTI, completed_run_id, make_settings, ok

from mockserver.app import create_app, mock_of
from mockserver.envelope import compact_json, new_meta
from mockserver.errors import ResponseContractError
from mockserver.response_check import check_response
from mockserver.spec import Operation
from mockserver.wire import encoded_envelope

WORKFLOWS = "/api/v1/workflows"
NOW = datetime(2026, 12, 5, tzinfo=UTC)
PAGINATION = {"next": None, "prev": None, "limit": 50, "total": 1}


@pytest.fixture(scope="module")
def run_data() -> tuple[Operation, dict[str, Any]]:
    """The ``get_run_data`` operation and the ``data`` of a real page of a settled run."""
    app = create_app(make_settings())
    client = app.test_client()
    run_id = completed_run_id(client)
    page = ok(client.get(f"{WORKFLOWS}/{MULTI}/runs/{run_id}/data?limit=50", headers=KEY))
    operation = next(op for op in mock_of(app).spec.operations
                     if op.operation_id == "get_run_data")
    return operation, page


def test_a_kept_read_is_answered_again_and_again_in_strict_mode() -> None:
    client = create_app(make_settings(strict_responses=True)).test_client()
    run_id = completed_run_id(client)
    path = f"{WORKFLOWS}/{MULTI}/runs/{run_id}/data?limit=50"
    bodies = [client.get(path, headers=KEY) for _ in range(3)]
    assert [b.status_code for b in bodies] == [200, 200, 200]
    assert len({b.get_json()["meta"]["request_id"] for b in bodies}) == 3


def test_the_envelope_around_checked_data_is_still_checked(
        run_data: tuple[Operation, dict[str, Any]]) -> None:
    operation, page = run_data
    data = compact_json(page)
    meta = new_meta(NOW)
    check_response(operation, encoded_envelope(data, meta, PAGINATION, 200))  # whole: passes
    check_response(operation, encoded_envelope(data, meta, PAGINATION, 200))  # around: passes
    with pytest.raises(ResponseContractError, match="meta"):
        check_response(operation, encoded_envelope(data, {**meta, "request_id": 7}, PAGINATION,
                                                    200))  # type: ignore[dict-item]
    with pytest.raises(ResponseContractError, match="limit"):
        check_response(operation, encoded_envelope(data, meta, {**PAGINATION, "limit": "50"},
                                                    200))


def test_data_that_failed_is_checked_again_every_time(
        run_data: tuple[Operation, dict[str, Any]]) -> None:
    operation, page = run_data
    broken = compact_json({**page, "run_id": 42})
    meta = new_meta(NOW)
    for _ in range(2):
        with pytest.raises(ResponseContractError, match="data"):
            check_response(operation, encoded_envelope(broken, meta, PAGINATION, 200))
