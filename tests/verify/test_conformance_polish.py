"""``onepin-mock conformance`` for servers other than the demo mock: another key, a
failed setup that does not stop the matrix, progress as it runs, JUnit, a 120-column table."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mockserver import conformance
from mockserver.conformance.results import FAIL, PASS, Result
from mockserver.conformance.table import WIDTH, render
from mockserver.testing import MockServer


def test_table_fits_120_columns_and_wraps_long_cells() -> None:
    """Long names, endpoints and reasons wrap inside their columns."""
    results = [Result("sdk", "onepin 0.16.1", "AsyncOnePinClient.workflows.runs.get_run_analysis",
                      "GET /api/v1/workflows/{workflow_id}/runs/{run_id}/analysis", FAIL,
                      "the server answered 500 " * 12),
               Result("cli", "onepin 0.16.1 CLI", "workflows runs list", "GET /x", PASS)]
    lines = render(results).splitlines()
    assert max(len(line) for line in lines) <= WIDTH
    assert "[onepin 0.16.1]" in lines and "[onepin 0.16.1 CLI]" in lines
    assert " ".join(lines).split().count("answered") == 12  # nothing cut off


def test_other_credentials_setup_failure_progress_and_junit(
        live_mock: MockServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A key from ONEPIN_API_KEY for an empty workspace: the seed discovery fails and is
    reported, the cases that need no seeds still run and pass, progress lines appear as
    results come in, and the JUnit file holds one case per row."""
    empty = live_mock.create_workspace(workflow_count=0)
    monkeypatch.setenv("ONEPIN_API_KEY", empty.api_key)
    junit = tmp_path / "conformance.xml"
    code = conformance.main(["--base-url", live_mock.url, "--only", "sdk", "--junit", str(junit)])
    captured = capsys.readouterr()
    assert code == 1
    rows = {line.split()[0]: line for line in captured.out.splitlines() if line.strip()}
    assert "(setup)" in rows and "no seeded workflow" in captured.out
    whoami = next(line for line in captured.out.splitlines()
                  if line.startswith("OnePinClient.auth.whoami "))
    assert " pass" in whoami  # the key's own workspace, learned from whoami
    progress = [line for line in captured.err.splitlines() if line.startswith("  ")]
    assert any(line.split()[:2] == ["pass", "OnePinClient.nodes.list_nodes"] for line in progress)
    cases = list(ET.parse(junit).iter("testcase"))
    assert len(cases) == len(progress)
    assert any(case.get("name") == "(setup)" and case.find("failure") is not None
               for case in cases)
