"""``onepin-mock verify`` against the mock (no drift) and against a drifted API (every
drift named), through the installed command line as a CI job would run it."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
from drifted import DRIFTS
from support import ACME, ADA

from mockserver.testing import DEMO_KEY, READ_ONLY_KEY, MockServer

# The operations each drift lives on, so the drifted run stays short.
DRIFTED_OPERATIONS = ("list_workflows", "get_workflow", "get_run", "get_run_status",
                      "get_workflow_markdown", "list_workflow_uploads")


def verify(base_url: str, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mockserver.cli", "verify", "--base-url", base_url,
               "--api-key", DEMO_KEY, "--limited-key", READ_ONLY_KEY, "--max-examples", "3",
               "--time-limit", "120", "--junit", str(tmp_path / "verify.xml"),
               "--report", str(tmp_path / "drift.md"), *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def drifted_run(drifted_api: MockServer,
                tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str],
                                                                   Path]:
    tmp = tmp_path_factory.mktemp("drifted")
    operations = [arg for op in DRIFTED_OPERATIONS for arg in ("--operation", op)]
    return verify(drifted_api.url, tmp, *operations), tmp


def sections(report: str) -> dict[str, str]:
    """The report's text per operation heading (``## `GET /path```)."""
    parts = report.split("\n## `")[1:]
    return {part.split("`", 1)[0]: part for part in parts}


@pytest.mark.parametrize("drift", sorted(DRIFTS))
def test_report_names_each_drift_under_its_operation(
        drift: str, drifted_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    """Every deliberate drift appears, in words, under the operation that drifted."""
    _done, tmp = drifted_run
    operation, words = DRIFTS[drift]
    section = sections((tmp / "drift.md").read_text(encoding="utf-8")).get(operation, "")
    assert words in section, f"{drift!r} not reported under {operation}:\n{section[:3000]}"


def test_drift_fails_the_run_and_the_junit_cases(
        drifted_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    """Drift exits 1; each drifted operation is a failed JUnit case naming its checks."""
    done, tmp = drifted_run
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stdout.startswith("DRIFT: ")
    failed = {case.get("name"): case.find("failure")
              for case in ET.parse(tmp / "verify.xml").iter("testcase")
              if case.find("failure") is not None}
    assert {operation for operation, _ in DRIFTS.values()} <= set(failed)
    markdown = failed["GET /api/v1/workflows/{workflow_id}/markdown"]
    assert markdown is not None and "auth" in markdown.get("message", "")


def test_report_masks_every_credential(
        drifted_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    """Example requests are shown, but no key appears in the report or the JUnit file."""
    _, tmp = drifted_run
    report = (tmp / "drift.md").read_text(encoding="utf-8")
    junit = (tmp / "verify.xml").read_text(encoding="utf-8")
    assert "Authorization: Bearer ***" in report
    for secret in (DEMO_KEY, READ_ONLY_KEY, DEMO_KEY[8:]):
        assert secret not in report and secret not in junit


def test_schema_drift_names_the_schema_path(
        drifted_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    """A missing field points at the component that requires it."""
    _, tmp = drifted_run
    section = sections((tmp / "drift.md").read_text(encoding="utf-8"))[
        "GET /api/v1/workflows/{workflow_id}/runs/{run_id}/status"]
    assert "Schema path: `#/components/schemas/WorkflowRunStatusOut/required`" in section


def test_progress_is_shown_operation_by_operation(
        drifted_run: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    """stderr carries one line per operation as it finishes, with its verdict."""
    done, _ = drifted_run
    lines = [line for line in done.stderr.splitlines() if line.startswith("[")]
    assert len(lines) == len(DRIFTED_OPERATIONS)
    assert any("GET /api/v1/workflows/{workflow_id}/uploads" in line and "drift" in line
               for line in lines)


def test_a_failed_setup_call_is_reported_and_the_rest_goes_on(tmp_path: Path,
                                                              live_mock: MockServer) -> None:
    """A key the server refuses fails discovery; every operation is still checked."""
    command = [sys.executable, "-m", "mockserver.cli", "verify", "--base-url", live_mock.url,
               "--api-key", "op_live_" + "x" * 32, "--max-examples", "1",
               "--operation", "list_workflows", "--operation", "list_nodes",
               "--report", str(tmp_path / "drift.md")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert "setup: GET /api/v1/workflows -> 401" in done.stderr
    report = (tmp_path / "drift.md").read_text(encoding="utf-8")
    assert "## Setup" in report
    assert "| `GET /api/v1/nodes` |" in report and done.returncode == 0, done.stdout


def test_time_limit_stops_the_run(tmp_path: Path, live_mock: MockServer) -> None:
    """With no time left, operations are listed as skipped, not as passed."""
    done = verify(live_mock.url, tmp_path, "--time-limit", "0")
    report = (tmp_path / "drift.md").read_text(encoding="utf-8")
    assert done.returncode == 0
    assert "skipped: the time limit was reached first" in report
    assert "(stopped at the time limit)" in done.stdout


def test_a_session_token_with_its_workspace_verifies_clean(tmp_path: Path,
                                                           live_mock: MockServer) -> None:
    """Sessions work too: the JWT and X-Workspace-Id reach real records, and the session
    probe (a workspace the user is not a member of) finds the documented answer."""
    token = live_mock.session_token(ADA)
    command = [sys.executable, "-m", "mockserver.cli", "verify", "--base-url", live_mock.url,
               "--session-token", token, "--workspace", ACME, "--max-examples", "2",
               "--operation", "get_workflow", "--operation", "list_runs",
               "--report", str(tmp_path / "drift.md")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, (tmp_path / "drift.md").read_text(encoding="utf-8")[:3000]
    assert "found " in done.stderr and "workflow_id" in done.stderr
    assert token not in (tmp_path / "drift.md").read_text(encoding="utf-8")


def test_writes_are_checked_on_a_copy_and_cleaned_up(tmp_path: Path,
                                                     live_mock: MockServer) -> None:
    """With --writes, write operations conform too, act on a copy of a real workflow, and
    leave the workspace as they found it (created workflows deleted, runs cancelled)."""
    workspace = live_mock.create_workspace(workflow_count=3)
    before = _workflows(live_mock.url, workspace.headers)
    writes = ("create_workflow", "duplicate_workflow", "patch_workflow", "start_run",
              "pause_run", "cancel_run", "delete_workflow")
    command = [sys.executable, "-m", "mockserver.cli", "verify", "--base-url", live_mock.url,
               "--api-key", workspace.api_key, "--writes", "--max-examples", "2",
               *(arg for op in writes for arg in ("--operation", op)),
               "--report", str(tmp_path / "drift.md")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, (tmp_path / "drift.md").read_text(encoding="utf-8")[:3000]
    assert "cleaning up" in done.stderr
    assert _workflows(live_mock.url, workspace.headers) == before


def _workflows(base_url: str, headers: dict[str, str]) -> dict[str, tuple[int, str]]:
    """Each workflow's runs_count and latest run status, through the API."""
    listed = httpx.get(f"{base_url}/api/v1/workflows?limit=100", headers=headers,
                       timeout=60).json()["data"]
    return {w["id"]: (w["runs_count"], w["last_run_status"]) for w in listed}


@pytest.mark.parametrize(("prev_offset", "drift"), [(20, False), (490, False), (480, True)])
def test_prev_past_the_end_may_lead_to_the_last_page_with_items(prev_offset: int,
                                                                drift: bool) -> None:
    """Past the end (offset 500 of 27), prev may step one page back or to the last page
    with items (the mock's choice); any other offset is drift."""
    from mockserver.verify.checks import page_problems
    from mockserver.verify.contract import PageRules

    page = {"next": None, "prev": f"http://x/api/v1/workflows?offset={prev_offset}&limit=10",
            "limit": 10, "total": 27}
    problems = page_problems(page, 0, 500, 10, PageRules(1, 100, 20, 0))
    assert bool(problems) == drift, problems


@pytest.mark.parametrize(("prev_offset", "drift"), [(0, False), (9383, False), (9500, True)])
def test_prev_of_an_empty_page_without_a_total_may_go_to_any_earlier_page(
        prev_offset: int, drift: bool) -> None:
    """A list without a total (uploads) cannot tell its last page with items: past the end,
    any earlier page is fine for prev."""
    from mockserver.verify.checks import page_problems
    from mockserver.verify.contract import PageRules

    page = {"next": None, "prev": f"http://x/uploads?offset={prev_offset}&limit=54",
            "limit": 54}
    problems = page_problems(page, 0, 9437, 54, PageRules(1, 100, 20, 0))
    assert bool(problems) == drift, problems
