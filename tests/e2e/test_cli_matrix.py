"""CLI matrix: every in-scope command of the real ``onepin`` script against a live mock.

Commands are read from the CLI's own registry; one without a case fails by name. The
cases check ``--json`` output and exit codes; the tests below add the failure envelope.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from conformance_support import LEGACY_SDK, ULID, assert_row, live_server, sdk_python

from mockserver.conformance import cli_runner
from mockserver.conformance.cli_cases import CASES
from mockserver.conformance.cli_enumerate import in_scope_commands
from mockserver.conformance.results import FAIL, PASS, Result, by_name
from mockserver.conformance.scene import Scene
from mockserver.conformance.workers import run_worker
from mockserver.testing import DEMO_KEY, MockServer

ONEPIN = str(Path(sys.executable).parent / "onepin")
COMMANDS = sorted({" ".join(path) for path in [*in_scope_commands(), *CASES]})
MISSING = str(uuid.UUID(int=7))


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with live_server() as (live, _log):
        yield live


@pytest.fixture(scope="module")
def results(server: MockServer) -> dict[str, Result]:
    return by_name(cli_runner.run_cli_matrix(server.url))


@pytest.fixture(scope="module")
def scene(server: MockServer) -> Iterator[Scene]:
    scene = Scene(server.url)
    yield scene
    scene.close()


def onepin(server: MockServer, tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(tmp_path), "NO_COLOR": "1", "PATH": "/usr/bin:/bin"}
    return subprocess.run([ONEPIN, "--base-url", server.url, "--api-key", DEMO_KEY, *argv],
                          capture_output=True, text=True, env=env, timeout=120, check=False)


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_command(results: dict[str, Result], command: str) -> None:
    """The command's case passes: exit code, --json output and the endpoints it called."""
    assert_row(results, command)


def test_cli_0_13_0(server: MockServer) -> None:
    """The older CLI (onepin 0.13.0, own venv) passes the same matrix: none fails."""
    rows = run_worker(str(sdk_python(LEGACY_SDK)), "cli", server.url)
    failed = [f"{r.name}: {r.reason}" for r in rows if r.status == FAIL]
    assert rows and not failed, failed


@pytest.mark.parametrize("argv", [
    ("workflows", "show", MISSING),
    ("workflows", "runs", "show", "{workflow}", MISSING),
    ("workflows", "runs", "status", "{workflow}", MISSING),
    ("workflows", "preview-run", MISSING),
    ("nodes", "show", "no_such_node"),
    ("voices", "show", MISSING),
    ("voices", "similar", MISSING),
    ("templates", "show", "00000000"),
    ("templates", "clone", "00000000"),
], ids=lambda argv: " ".join(a for a in argv if "{" not in a and a != MISSING))
def test_not_found_envelope_on_stderr(server: MockServer, scene: Scene, tmp_path: Path,
                                      argv: tuple[str, ...]) -> None:
    """A not-found id exits 1 with the JSON failure envelope (code, message, request id)."""
    args = [a.replace("{workflow}", scene.seeds.workflow_id) for a in argv]
    done = onepin(server, tmp_path, "--json", *args)
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    envelope = json.loads(done.stderr)
    assert envelope["error"]["code"] == "NOT_FOUND"
    assert envelope["error"]["message"]
    assert ULID.match(envelope["meta"]["request_id"])


def test_not_found_plain_text(server: MockServer, tmp_path: Path) -> None:
    """Without --json the same failure is one tagged line with the request id."""
    done = onepin(server, tmp_path, "workflows", "show", MISSING)
    assert done.returncode == 1
    line = done.stderr.strip()
    assert line.startswith("[NOT_FOUND] ") and "(request_id=" in line, line


def test_cli_refused_template_delete(server: MockServer, scene: Scene,
                                     tmp_path: Path) -> None:
    """Deleting a platform starter template exits 1 with the FORBIDDEN envelope."""
    starter = scene.starter_template()["id"]
    done = onepin(server, tmp_path, "--json", "templates", "delete", starter, "--yes")
    assert done.returncode == 1, done.stdout
    assert json.loads(done.stderr)["error"]["code"] == "FORBIDDEN"
    assert scene.status_of(f"/api/v1/templates/{starter}") == 200


@pytest.mark.parametrize("argv", [
    ("workflows", "list", "--status", "cancelled"),
    ("workflows", "runs", "list", "{workflow}", "--status", "draft"),
], ids=["workflows list --status cancelled", "workflows runs list --status draft"])
def test_cli_choice_the_server_rejects(server: MockServer, scene: Scene, tmp_path: Path,
                                       argv: tuple[str, ...]) -> None:
    """A status the CLI offers but the API does not accept is a 422 VALIDATION_ERROR."""
    args = [a.replace("{workflow}", scene.seeds.workflow_id) for a in argv]
    done = onepin(server, tmp_path, "--json", *args)
    assert done.returncode == 1, done.stdout
    assert json.loads(done.stderr)["error"]["code"] == "VALIDATION_ERROR"


def test_command_without_case_fails_by_name(server: MockServer,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """An in-scope command that no case exercises fails the matrix under its own name."""
    commands = {("workflows", "definition-schema"): frozenset({"--json"}),
                ("workflows", "show"): frozenset({"--json"})}
    monkeypatch.setattr(cli_runner, "in_scope_commands", lambda: commands)
    monkeypatch.delitem(CASES, ("workflows", "show"))
    rows = by_name(cli_runner.run_cli_matrix(server.url))
    assert rows["workflows definition-schema"].status == PASS
    assert rows["workflows show"].status == FAIL
    assert "no conformance case" in rows["workflows show"].reason
