"""Schemathesis from outside, as a hostile client would run it: the `schemathesis` command
against a live mock, every check, positive and negative data, every phase (examples,
coverage, fuzzing, stateful), once per demo API key. Zero failures allowed.

The few rules openapi.yaml cannot state (listed with their reasons in ``fuzz.toml`` and the
README's "Fuzzing" section) widen positive-data acceptance for exactly those operations.

The default run is short and seeded. Longer runs: ``ONEPIN_FUZZ_EXAMPLES=50
ONEPIN_FUZZ_SECONDS=900 pytest tests/contract/test_fuzz.py`` (examples per operation and
the time budget per credential).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from support import ACME, ADA, DEMO_KEY, READ_ONLY_KEY, SECOND_WORKSPACE_KEY

from mockserver.settings import DEFAULT_SPEC, Settings
from mockserver.testing import MockServer

CONFIG = Path(__file__).with_name("fuzz.toml")
EXAMPLES = int(os.environ.get("ONEPIN_FUZZ_EXAMPLES", "2"))
SECONDS = int(os.environ.get("ONEPIN_FUZZ_SECONDS", "40"))
SEED = int(os.environ.get("ONEPIN_FUZZ_SEED", "13"))
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture(scope="module")
def live() -> Iterator[MockServer]:
    # Runs at 60x so the stateful phase sees runs progress between calls.
    with MockServer(Settings(run_speed=60.0)) as server:
        yield server


@pytest.mark.parametrize("key", [DEMO_KEY, READ_ONLY_KEY, SECOND_WORKSPACE_KEY],
                         ids=["all-scopes", "read-only", "second-workspace"])
def test_schemathesis_finds_nothing(live: MockServer, key: str, tmp_path: Path) -> None:
    """No 500, no undeclared status or shape, valid input accepted, invalid input refused."""
    live.reset()
    assert_schemathesis_clean(live, tmp_path, "--header", f"Authorization: Bearer {key}")


def test_schemathesis_finds_nothing_in_workspaces_with_a_session(live: MockServer,
                                                                  tmp_path: Path) -> None:
    """The workspace, member and invite operations take sessions only: Ada's session runs
    them (with Acme as X-Workspace-Id where one is asked for), every phase and check."""
    live.reset()
    assert_schemathesis_clean(
        live, tmp_path, "--header", f"Authorization: Bearer {live.session_token(ADA)}",
        "--header", f"X-Workspace-Id: {ACME}", "--include-tag-regex", "^workspace")


def assert_schemathesis_clean(live: MockServer, tmp_path: Path, *extra: str) -> None:
    command = [
        str(SCHEMATHESIS), "--config-file", str(CONFIG), "run", str(DEFAULT_SPEC),
        "--url", live.url, "--checks", "all", "--mode", "all",
        "--phases", "examples,coverage,fuzzing,stateful",
        "--max-examples", str(EXAMPLES), "--max-time", str(SECONDS), "--seed", str(SEED),
        "--generation-deterministic", "--no-shrink", "--continue-on-failure",
        "--workers", "1", "--report-dir", str(tmp_path), *extra,
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False,
                            timeout=SECONDS * 4 + 120)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert not live.errors, live.errors
