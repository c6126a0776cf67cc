"""The SDK developer's kit of the pytest plugin, used as an SDK team would: inner suites
written with the official SDK (``onepin==0.16.1``) run through ``pytester``.

Covers the client fixtures, the run helpers, the journal with bodies, strict response
checking, the demo constants and the session's API coverage (terminal summary and
``--onepin-mock-coverage`` JSON, also merged under ``pytest -n 2``).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml

import mockserver

pytest_plugins = ["pytester"]
LEAN = ("-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest")


def write(pytester: pytest.Pytester, **files: str) -> None:
    pytester.makepyfile(**{name: textwrap.dedent(text) for name, text in files.items()})


# -- client fixtures ---------------------------------------------------------------------------


def test_client_fixtures_are_bound_to_the_workspace_without_retries(
        pytester: pytest.Pytester) -> None:
    """onepin_client talks to the test's own workspace, answers a 409 at once (one request,
    no retries) and is closed after the test; the async client works from asyncio.run."""
    write(pytester, test_inner="""
        import asyncio

        import pytest
        from onepin.core.api_error import ApiError

        CLIENTS = []

        def test_sync(onepin_client, onepin_mock, onepin_mock_workspace):
            CLIENTS.append(onepin_client)
            assert onepin_client.workflows.list(limit=100).data
            workflow_id = onepin_mock.runnable_workflow(onepin_mock_workspace)
            onepin_client.workflows.runs.start(workflow_id)
            with pytest.raises(ApiError) as refused:
                onepin_client.workflows.runs.start(workflow_id)
            assert refused.value.status_code == 409
            starts = onepin_mock.requests(operation_id="start_run")
            assert [e.status for e in starts] == [202, 409]  # no retry of the 409
            assert {e.workspace_id for e in onepin_mock.requests()} == {onepin_mock_workspace.id}

        def test_closed_after_the_test():
            http = CLIENTS[0]._client_wrapper.httpx_client.httpx_client
            assert http.is_closed

        def test_async(onepin_async_client, onepin_mock, onepin_mock_workspace):
            CLIENTS.append(onepin_async_client)

            async def create():
                return (await onepin_async_client.workflows.create_workflow(name="From async")).data

            created = asyncio.run(create())
            assert created.name == "From async"
            (entry,) = onepin_mock.requests(operation_id="create_workflow")
            assert entry.workspace_id == onepin_mock_workspace.id

        def test_async_closed_after_the_test():
            assert CLIENTS[1]._client_wrapper.httpx_client.httpx_client.is_closed
    """)
    pytester.runpytest_inprocess(*LEAN).assert_outcomes(passed=4)


def test_client_fixtures_skip_clearly_without_the_sdk(pytester: pytest.Pytester) -> None:
    """Without an importable onepin the test is skipped with a message saying what to
    install, never silently."""
    write(pytester, conftest="""
        import sys

        import pytest

        @pytest.fixture(autouse=True)
        def no_sdk(monkeypatch):
            monkeypatch.setitem(sys.modules, "onepin", None)  # import onepin fails
    """, test_inner="""
        def test_sync(onepin_client):
            raise AssertionError("must not run")

        def test_async(onepin_async_client):
            raise AssertionError("must not run")
    """)
    result = pytester.runpytest_inprocess("-rs", *LEAN)
    result.assert_outcomes(skipped=2)
    result.stdout.fnmatch_lines([
        "*onepin_client needs the official Onepin SDK, which is not importable*"
        "pip install onepin==0.16.1*",
        "*onepin_async_client needs the official Onepin SDK*",
    ])


# -- run helpers -------------------------------------------------------------------------------


def test_run_helpers_drive_runs_seen_by_the_sdk(pytester: pytest.Pytester) -> None:
    """runnable_workflow starts (202) where the first listed workflow may be a draft,
    advance moves runs on, force_run puts a run into a state the SDK then reads."""
    write(pytester, test_inner="""
        import time

        import pytest
        from onepin.core.api_error import ApiError

        def test_helpers(onepin_client, onepin_mock, onepin_mock_workspace):
            onepin_mock.hold_clock()
            workflow_id = onepin_mock.runnable_workflow(onepin_mock_workspace)
            run = onepin_client.workflows.runs.start(workflow_id).data
            time.sleep(0.5)  # a slow moment: the held clock keeps the run where it was
            status = onepin_client.workflows.runs.status(workflow_id, run.id).data.status
            assert status == "pending"
            onepin_mock.advance(24 * 3600)
            status = onepin_client.workflows.runs.status(workflow_id, run.id).data.status
            assert status in ("completed", "failed")

            second = onepin_client.workflows.runs.start(workflow_id).data
            forced = onepin_mock.force_run(second.id, "failed", error="Boom from the test")
            assert forced["status"] == "failed"
            read = onepin_client.workflows.runs.get(workflow_id, second.id).data
            assert read.status == "failed"

        def test_force_run_paused(onepin_client, onepin_mock, onepin_mock_workspace):
            workflow_id = onepin_mock.runnable_workflow(onepin_mock_workspace.id)
            run = onepin_client.workflows.runs.start(workflow_id).data
            onepin_mock.force_run(run.id, "paused", pause_reason="user")
            assert onepin_client.workflows.runs.status(workflow_id, run.id).data.status == "paused"
            with pytest.raises(ValueError, match="colour"):
                onepin_mock.force_run(run.id, "completed", colour="red")
            with pytest.raises(ValueError, match="status: 'finished' is not one of"):
                onepin_mock.force_run(run.id, "finished")
            assert onepin_client.workflows.runs.status(workflow_id, run.id).data.status == "paused"

        def test_set_billing_closes_the_credit_gate(onepin_client, onepin_mock,
                                                    onepin_mock_workspace):
            workflow_id = onepin_mock.runnable_workflow(onepin_mock_workspace)
            need = onepin_client.workflows.preview_run(workflow_id).data.min_credits
            onepin_mock.set_billing(onepin_mock_workspace, credit_balance=need - 1, plan="free")
            assert onepin_client.users.get_my_credits().data.balance == need - 1
            with pytest.raises(ApiError) as refused:
                onepin_client.workflows.runs.start(workflow_id)
            assert refused.value.status_code == 402
            with pytest.raises(ValueError, match="negative"):
                onepin_mock.set_billing(onepin_mock_workspace.id, credit_balance=-1)

        def test_no_runnable_workflow(onepin_mock):
            empty = onepin_mock.create_workspace(workflow_count=0)
            with pytest.raises(LookupError, match="no workflow that can start"):
                onepin_mock.runnable_workflow(empty)
    """)
    pytester.runpytest_inprocess(*LEAN).assert_outcomes(passed=4)


# -- the journal with bodies -------------------------------------------------------------------


def test_journal_shows_what_the_sdk_sent(pytester: pytest.Pytester) -> None:
    """onepin_mock.requests() returns the JSON the SDK sent, masked headers, the matched
    operation, the workspace and the outcome of request validation."""
    write(pytester, test_inner="""
        import pytest
        from onepin.core.api_error import ApiError

        def test_bodies(onepin_client, onepin_mock, onepin_mock_workspace):
            onepin_client.workflows.create_workflow(name="Checkout prompts", description="QA")
            (entry,) = onepin_mock.requests(method="POST", path="/api/v1/workflows")
            assert entry.operation_id == "create_workflow"
            assert entry.workspace_id == onepin_mock_workspace.id
            assert entry.request_json == {"name": "Checkout prompts", "description": "QA"}
            assert entry.response_json["data"]["name"] == "Checkout prompts"
            assert entry.validation == "passed" and entry.validation_failures == []
            authorization = entry.request_headers["Authorization"]
            assert onepin_mock_workspace.api_key not in authorization
            assert authorization.endswith("•••")

        def test_validation_outcome(onepin_client, onepin_mock):
            with pytest.raises(ApiError) as refused:
                onepin_client.workflows.list(limit=0)
            assert refused.value.status_code == 422
            (entry,) = onepin_mock.requests(status=422)
            assert entry.validation == "failed"
            assert entry.attribution == "spec_violation"
            (failure,) = entry.validation_failures
            assert failure["field"] == "limit" and failure["rule"] == "minimum"
    """)
    pytester.runpytest_inprocess(*LEAN).assert_outcomes(passed=2)


# -- strict responses and the setting names ----------------------------------------------------


def test_strict_by_default_and_strict_as_a_setting_name(pytester: pytest.Pytester) -> None:
    """A mock answer that breaks openapi.yaml fails the test that met it (strict is on by
    default); ``strict=False`` in the marker is accepted and turns it off."""
    write(pytester, test_inner="""
        import httpx
        import pytest
        from mockserver.pipeline import Pipeline, json_response

        def broken(*args, **kwargs):
            return json_response({"data": "not a list"}, 200)  # no meta, wrong shape

        def test_default_settings(onepin_mock_settings):
            assert onepin_mock_settings.strict_responses

        def test_mock_bug_fails(onepin_mock, onepin_mock_workspace, monkeypatch):
            monkeypatch.setattr(Pipeline, "_success", staticmethod(broken))
            httpx.get(onepin_mock.url + "/api/v1/workflows", headers=onepin_mock_workspace.headers)

        @pytest.mark.onepin_mock(strict=False)
        def test_strict_off(onepin_mock, onepin_mock_workspace, monkeypatch):
            assert onepin_mock.settings.strict_responses is False
            monkeypatch.setattr(Pipeline, "_success", staticmethod(broken))
            response = httpx.get(onepin_mock.url + "/api/v1/workflows",
                                 headers=onepin_mock_workspace.headers)
            assert response.json() == {"data": "not a list"}
    """)
    result = pytester.runpytest_inprocess(*LEAN)
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_mock_bug_fails*",
                                 "*ResponseContractError: list_workflows 200*"])


def test_mock_server_takes_the_command_line_names(tmp_path: Path) -> None:
    """``MockServer(strict=..., fixtures=...)`` reads like the command line; a wrong name is
    refused naming the accepted ones."""
    path = Path(mockserver.__file__).parent / "fixtures" / "default.yaml"
    server = mockserver.MockServer(strict=True, fixtures=str(path), seed=4)
    assert server.settings.strict_responses and server.settings.seed == 4
    assert server.settings.fixtures_path == path
    refused = r"unknown setting\(s\) \['colour'\]; use \['fixtures', 'strict'\]"
    with pytest.raises(TypeError, match=refused):
        mockserver.MockServer(colour="red")


def test_demo_constants_match_the_packaged_fixtures() -> None:
    """The public demo credentials name real records of the packaged fixtures."""
    path = Path(mockserver.__file__).parent / "fixtures" / "default.yaml"
    fixtures = yaml.safe_load(path.read_text(encoding="utf-8"))
    keys = {k["key"]: k["workspace"] for k in fixtures["api_keys"]}
    assert keys[mockserver.DEMO_KEY] == mockserver.DEMO_WORKSPACE_ID
    assert keys[mockserver.READ_ONLY_KEY] == mockserver.DEMO_WORKSPACE_ID
    assert keys[mockserver.SECOND_WORKSPACE_KEY] == mockserver.SECOND_WORKSPACE_ID
    roles = {(m["user"], m["workspace"]): m["role"] for m in fixtures["memberships"]}
    assert roles[(mockserver.ADMIN_USER_ID, mockserver.DEMO_WORKSPACE_ID)] == "admin"
    assert roles[(mockserver.EDITOR_USER_ID, mockserver.DEMO_WORKSPACE_ID)] == "editor"
    assert roles[(mockserver.VIEWER_USER_ID, mockserver.DEMO_WORKSPACE_ID)] == "viewer"
    assert roles[(mockserver.SECOND_WORKSPACE_ADMIN_ID, mockserver.SECOND_WORKSPACE_ID)] == "admin"
    assert mockserver.MockServer.__module__ == "mockserver.testing"


# -- API coverage of the session ---------------------------------------------------------------

COVERAGE_SUITE = {
    "test_reads": """
        import pytest
        from onepin.core.api_error import ApiError

        def test_list(onepin_client):
            onepin_client.workflows.list(limit=5)

        def test_bad_limit(onepin_client):
            with pytest.raises(ApiError):
                onepin_client.workflows.list(limit=0)
    """,
    "test_runs": """
        import pytest
        from onepin.core.api_error import ApiError

        def test_conflict(onepin_client, onepin_mock, onepin_mock_workspace):
            workflow_id = onepin_mock.runnable_workflow(onepin_mock_workspace)
            onepin_client.workflows.runs.start(workflow_id)
            with pytest.raises(ApiError):
                onepin_client.workflows.runs.start(workflow_id)

        @pytest.mark.onepin_mock(seed=3)
        def test_own_server(onepin_client):
            onepin_client.workflows.list(limit=1)
    """,
}


def _operations(report: dict[str, object]) -> object:
    return report["operations"]


def test_session_coverage_summary_and_json(pytester: pytest.Pytester) -> None:
    """The session's coverage (shared and marked servers alike) is printed at the end and
    written as JSON: operations covered, statuses, spec violations versus contract rules."""
    write(pytester, **COVERAGE_SUITE)
    result = pytester.runpytest_inprocess("--onepin-mock-coverage=out/coverage.json", *LEAN)
    result.assert_outcomes(passed=4)
    report = json.loads((pytester.path / "out" / "coverage.json").read_text())
    listing, starts = report["operations"]["list_workflows"], report["operations"]["start_run"]
    assert listing["statuses"] == {"200": 2, "422": 1}
    assert listing["validation_failures"] == [{
        "field": "limit", "rule": "minimum",
        "message": "Input should be greater than or equal to 1", "count": 1}]
    assert starts["statuses"] == {"202": 1, "409": 1}
    assert starts["client_errors"] == {"spec_violation": 0, "contract_rule": 1, "forced": 0}
    assert report["client_errors"] == {"spec_violation": 1, "contract_rule": 1, "forced": 0}
    assert report["operations_covered"] == 2
    assert "get_run" in report["operations_not_called"]
    total = report["operations_in_spec"]
    result.stdout.fnmatch_lines([
        "*= onepin-mock API coverage =*",
        f"onepin-mock API coverage: 2 of {total} operations in openapi.yaml (*), 5 requests",
        "4xx answers: 1 spec violations (client bugs), 1 contract rules, 0 forced",
        "  list_workflows  200x2 422x1",
        "  start_run       202x1 409x1",
        "requests that broke openapi.yaml (1 answers):",
        "  list_workflows: limit [minimum] Input should be greater than or equal to 1 (x1)",
        f"never called ({total - 2}): *get_run*",
    ])


def test_coverage_merges_across_xdist_workers(pytester: pytest.Pytester) -> None:
    """Under ``pytest -n 2`` each worker's counts reach the controller: the JSON equals the
    one a single process writes, and the summary is printed once."""
    write(pytester, **COVERAGE_SUITE)
    pytester.makeconftest("""
        import os

        def pytest_runtest_setup(item):
            with open("workers.txt", "a") as out:
                out.write(os.environ.get("PYTEST_XDIST_WORKER", "none") + "\\n")
    """)
    single = pytester.runpytest_subprocess("--onepin-mock-coverage=single.json", *LEAN)
    single.assert_outcomes(passed=4)
    (pytester.path / "workers.txt").unlink()
    split = pytester.runpytest_subprocess("-n", "2", "--dist", "loadfile",
                                          "--onepin-mock-coverage=split.json", *LEAN)
    split.assert_outcomes(passed=4)
    workers = set((pytester.path / "workers.txt").read_text().split())
    assert workers == {"gw0", "gw1"}
    merged = json.loads((pytester.path / "split.json").read_text())
    alone = json.loads((pytester.path / "single.json").read_text())
    for key in ("requests", "operations_covered", "client_errors", "operations",
                "operations_not_called"):
        assert merged[key] == alone[key], key
    assert split.stdout.str().count("= onepin-mock API coverage =") == 1


def test_readme_kit_example_passes(pytester: pytest.Pytester) -> None:
    """The SDK developer's kit example in the README runs green as written."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    opening = "```python\nfrom onepin.core.api_error import ApiError\n"
    example = readme.split(opening, 1)[1].split("```")[0]
    pytester.makepyfile(test_readme_kit="from onepin.core.api_error import ApiError\n" + example)
    pytester.runpytest_inprocess(*LEAN).assert_outcomes(passed=1)
