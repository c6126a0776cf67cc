"""SDK matrix: every in-scope method of onepin 0.16.1 and 0.13.0, each from a venv of its own.

Both versions run the same cases from ``mockserver.conformance`` against one live mock; a
method without a case fails by name, so a new SDK endpoint cannot go unnoticed. 0.16.1 is
also run in-process (the test environment's own SDK), which is what the per-method guard
enumerates.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conformance_support import LEGACY_SDK, assert_row, live_server, sdk_python

from mockserver import conformance
from mockserver.conformance import sdk_runner
from mockserver.conformance.results import FAIL, Result, by_name
from mockserver.conformance.scene import Scene
from mockserver.conformance.sdk_cases import CASES, CLIENTS
from mockserver.conformance.sdk_enumerate import MethodRef, enumerate_methods, import_sdk
from mockserver.conformance.workers import run_worker
from mockserver.testing import MockServer

CURRENT_SDK = "0.16.1"
ENUMERATED = [ref.name for ref in enumerate_methods(import_sdk())]
CASE_NAMES = [f"{client}.{path}" for client in CLIENTS for path in sorted(CASES)]


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with live_server() as (live, _log):
        yield live


@pytest.fixture(scope="module")
def current(server: MockServer) -> dict[str, Result]:
    return by_name(sdk_runner.run_sdk_matrix(server.url))


@pytest.fixture(scope="module")
def pinned(server: MockServer) -> dict[str, Result]:
    return by_name(run_worker(str(sdk_python(CURRENT_SDK)), "sdk", server.url))


@pytest.fixture(scope="module")
def legacy(server: MockServer) -> dict[str, Result]:
    return by_name(run_worker(str(sdk_python(LEGACY_SDK)), "sdk", server.url))


@pytest.mark.parametrize("name", sorted(set(ENUMERATED) | set(CASE_NAMES)))
def test_sdk_0_16_1(current: dict[str, Result], name: str) -> None:
    """onepin 0.16.1: the method returns its declared type, hits its endpoint, checks pass."""
    assert_row(current, name)


@pytest.mark.parametrize("name", sorted(set(ENUMERATED) | set(CASE_NAMES)))
def test_sdk_0_16_1_in_its_own_venv(pinned: dict[str, Result], name: str) -> None:
    """onepin==0.16.1 installed in a fresh venv: every method passes there too."""
    assert_row(pinned, name)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_sdk_0_13_0(legacy: dict[str, Result], name: str) -> None:
    """onepin 0.13.0 (older client): the same case passes on the same responses."""
    assert_row(legacy, name)


def test_sdk_0_13_0_methods_all_have_cases(legacy: dict[str, Result]) -> None:
    """Every in-scope onepin 0.13.0 method has a case (the failure names the others)."""
    uncovered = sorted(name for name, r in legacy.items() if r.status == FAIL
                       and r.reason.startswith("no conformance case"))
    assert not uncovered, f"methods without a case: {uncovered}"


def test_method_without_case_fails_by_name(server: MockServer,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A method in scope that no case exercises fails the matrix under its own name."""
    refs = [MethodRef("OnePinClient", "auth.whoami"), MethodRef("OnePinClient", "workflows.get")]
    monkeypatch.setattr(sdk_runner, "enumerate_methods", lambda sdk: refs)
    monkeypatch.delitem(CASES, "workflows.get")
    results = by_name(sdk_runner.run_sdk_matrix(server.url))
    assert results["OnePinClient.auth.whoami"].status == "pass"
    missing = results["OnePinClient.workflows.get"]
    assert missing.status == FAIL and "no conformance case" in missing.reason


def test_report_prints_table(server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    """``onepin-mock conformance --base-url URL`` prints the table and exits 0 when all pass."""
    assert conformance.main(["--base-url", server.url, "--only", "sdk"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["SDK", "method", "or", "CLI", "command",
                                           "endpoint", "result", "reason"]
    row = next(line for line in out.splitlines() if "OnePinClient.workflows.list " in line)
    assert row.split()[-3:] == ["GET", "/api/v1/workflows", "pass"]
    assert out.rstrip().splitlines()[-1].startswith("OK: ")


def test_report_fails_on_a_failed_check(server: MockServer, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    """A failed check makes the report exit 1 and say FAILED."""
    monkeypatch.setattr(sdk_runner, "enumerate_methods",
                        lambda sdk: [MethodRef("OnePinClient", "workflows.get")])
    monkeypatch.delitem(CASES, "workflows.get")
    assert conformance.main(["--base-url", server.url, "--only", "sdk"]) == 1
    assert capsys.readouterr().out.rstrip().splitlines()[-1].startswith("FAILED: ")


def test_report_without_sdk_fails_cleanly(tmp_path: Path) -> None:
    """Without an importable onepin the report exits 2 with one clear line, no traceback."""
    broken = tmp_path / "onepin"
    broken.mkdir()
    (broken / "__init__.py").write_text("raise ImportError('onepin is not installed')\n")
    done = subprocess.run([sys.executable, "-m", "mockserver.conformance"], cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(tmp_path)}, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 2
    assert done.stderr.startswith("onepin-mock conformance: the onepin SDK is not importable")
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_held_run_waits_for_the_case_and_the_clock_thaws_after(server: MockServer) -> None:
    """At the matrix's speed a run settles in well under a second; a held run must still be
    active however slow the moment before the call, and clean-up gives back real time."""
    scene = Scene(server.url)
    try:
        workflow_id, run_id = scene.held_run()
        time.sleep(1.0)
        assert scene.run_status(workflow_id, run_id) in ("pending", "running")
        scene.cleanup()
        clock = scene.http.get("/__mock/clock").json()["data"]
        assert clock["frozen"] is False
        assert scene.wait_for(workflow_id, run_id, ("cancelled",), 5.0) == "cancelled"
    finally:
        scene.close()
