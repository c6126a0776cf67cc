"""The official ``onepin`` CLI against a live ``onepin-mock serve`` process.

One server per module, started as a subprocess on a free port with ``--run-speed 600``
(a run of under a minute of run time finishes in a fraction of a second), and always
stopped. The CLI is configured only through ``ONEPIN_BASE_URL`` / ``ONEPIN_API_KEY`` with
``HOME`` pointing at a temporary directory, so no real credentials file is read or written.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import wave
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support import DEMO_KEY

BIN = Path(sys.executable).parent
ONEPIN = BIN / "onepin"
ONEPIN_MOCK = BIN / "onepin-mock"
RUN_SPEED = "600"
STARTUP_SECONDS = 20.0
CLI_TIMEOUT = 60.0
WATCH_TIMEOUT = "20"  # seconds; a run here takes well under one (plus the 2 s poll)
TERMINAL = {"completed", "failed", "cancelled"}
UNKNOWN_RUN = "00000000-0000-4000-8000-000000000000"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve_command(port: int) -> list[str]:
    args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--run-speed", RUN_SPEED]
    if ONEPIN_MOCK.exists():
        return [str(ONEPIN_MOCK), *args]
    return [sys.executable, "-m", "mockserver.cli", *args]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/__mock/health", timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A live mock on a free port; its output goes to a log file (a full pipe would block it)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path_factory.mktemp("server") / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(_serve_command(port), stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + STARTUP_SECONDS
            while not _healthy(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    output = log_path.read_text(encoding="utf-8", errors="replace")
                    pytest.fail(f"onepin-mock did not become healthy at {url}:\n{output}")
                time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@pytest.fixture(scope="module")
def cli(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Run ``onepin <args>`` against the mock with a throwaway HOME and the demo key."""
    home = tmp_path_factory.mktemp("home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEPIN_")}
    env.update({
        "HOME": str(home),
        "USERPROFILE": str(home),
        "ONEPIN_BASE_URL": server_url,
        "ONEPIN_API_KEY": DEMO_KEY,
        "ONEPIN_NO_UPDATE_CHECK": "1",
        "NO_COLOR": "1",
    })

    def run(*args: str) -> Result:
        done = subprocess.run([str(ONEPIN), *args], env=env, capture_output=True, text=True,
                              timeout=CLI_TIMEOUT, check=False)
        return Result(done.returncode, done.stdout, done.stderr)

    return run


@dataclass(frozen=True)
class WatchedRun:
    workflow_id: str
    run_id: str
    watch: Result  # the `workflows run --watch` invocation that produced the run


@pytest.fixture(scope="module")
def watched(cli: Any) -> WatchedRun:
    """A run started and watched to its end with `onepin --json workflows run <id> --watch`.

    Candidates are seeded workflows whose latest run completed, in list order. The mock
    fails a small, seed-determined share of live runs; a watched failure must exit 1 (the
    CLI's documented behaviour) and the next candidate is tried. With the default seed the
    first candidate completes, so this normally costs a single run.
    """
    listing = cli("--json", "workflows", "list", "--limit", "100")
    assert listing.code == 0, listing.stderr
    candidates = [w["id"] for w in listing.json() if w.get("last_run_status") == "completed"]
    assert candidates, "no seeded workflow whose latest run completed"
    for workflow_id in candidates[:3]:
        result = cli("--json", "workflows", "run", workflow_id, "--watch",
                     "--timeout", WATCH_TIMEOUT)
        run = result.json()
        assert run["workflow_id"] == workflow_id
        if run["status"] == "failed":
            assert result.code == 1, result.stderr
            continue
        return WatchedRun(workflow_id, str(run["id"]), result)
    pytest.fail(f"every candidate run failed: {candidates[:3]}")


@pytest.fixture(scope="module")
def completed_run(watched: WatchedRun) -> tuple[str, str]:
    """(workflow id, run id) of the watched run, once it is known to have completed."""
    if watched.watch.code != 0 or watched.watch.json()["status"] != "completed":
        pytest.fail(f"the watched run did not complete: {watched.watch}")
    return watched.workflow_id, watched.run_id


def test_run_watch_exits_zero_with_the_completed_run(cli: Any, watched: WatchedRun) -> None:
    """`workflows run --watch` polls a new run to `completed`, exits 0 and prints it as JSON."""
    assert watched.watch.code == 0, watched.watch.stderr
    run = watched.watch.json()
    assert run["status"] == "completed"
    assert run["id"] == watched.run_id
    assert run["completed_at"] is not None
    assert run["has_export"] is True
    assert run["finished_steps"] == run["total_steps"]
    shown = cli("--json", "workflows", "runs", "show", watched.workflow_id, watched.run_id)
    assert shown.code == 0, shown.stderr
    assert shown.json()["status"] == "completed"


def test_runs_status_prints_parseable_json(cli: Any, completed_run: tuple[str, str]) -> None:
    """`workflows runs status --json` prints the run's status object as valid JSON."""
    workflow_id, run_id = completed_run
    result = cli("--json", "workflows", "runs", "status", workflow_id, run_id)
    assert result.code == 0, result.stderr
    status = result.json()
    assert status["id"] == run_id
    assert status["workflow_id"] == workflow_id
    assert status["status"] == "completed"
    assert status["completed_at"] is not None


def test_download_writes_a_zip_with_manifest_and_one_wav_per_line(
    cli: Any, completed_run: tuple[str, str], tmp_path: Path
) -> None:
    """`workflows runs download` saves the export ZIP: manifest.json plus one WAV per line."""
    workflow_id, run_id = completed_run
    out = tmp_path / "export.zip"
    result = cli("workflows", "runs", "download", workflow_id, run_id, "--out", str(out))
    assert result.code == 0, result.stderr
    assert out.is_file()
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None
        names = set(archive.namelist())
        assert "manifest.json" in names
        manifest = json.loads(archive.read("manifest.json"))
        lines = manifest["lines"]
        assert manifest["run_id"] == run_id
        assert manifest["workflow_id"] == workflow_id
        assert lines and manifest["line_count"] == len(lines)
        files = [line["file"] for line in lines]
        assert len(set(files)) == len(files)
        assert names == {"manifest.json", *files}
        for name in files:
            assert name.endswith(".wav")
            data = archive.read(name)
            assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
            with wave.open(io.BytesIO(data)) as audio:
                assert audio.getnframes() > 0


def test_download_refuses_to_overwrite_without_force(
    cli: Any, completed_run: tuple[str, str], tmp_path: Path
) -> None:
    """A second download to the same path fails with FILE_EXISTS and leaves the file alone."""
    workflow_id, run_id = completed_run
    out = tmp_path / "export.zip"
    out.write_bytes(b"keep me")
    result = cli("--json", "workflows", "runs", "download", workflow_id, run_id, "--out", str(out))
    assert result.code == 1
    assert json.loads(result.stderr)["error"]["code"] == "FILE_EXISTS"
    assert out.read_bytes() == b"keep me"


def test_unknown_run_is_not_found(cli: Any, completed_run: tuple[str, str]) -> None:
    """An unknown run id exits non-zero with the NOT_FOUND error envelope on stderr."""
    workflow_id, _ = completed_run
    result = cli("--json", "workflows", "runs", "status", workflow_id, UNKNOWN_RUN)
    assert result.code != 0
    assert result.stdout == ""
    envelope = json.loads(result.stderr)
    assert envelope["error"]["code"] == "NOT_FOUND"
    assert envelope["error"]["message"]
