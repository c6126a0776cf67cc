"""The GitHub Actions recipe in the README, run as written against a local mock.

Steps that only set up a runner (``uses:`` actions, ``Install ...``) are left out: this
suite already runs inside an environment with onepin-mock, Schemathesis and the SDK.
Secrets become the local mock's URL and the demo key; port 8080 becomes a free port.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from mockserver.testing import DEMO_KEY, MockServer

README = Path(__file__).resolve().parents[2] / "README.md"
RECIPE = re.compile(r"<!-- ci-recipe:start -->\s*```yaml\n(.*?)```\s*<!-- ci-recipe:end -->",
                    re.DOTALL)
EXAMPLE_TEST = re.compile(
    r"<!-- ci-example-test:start -->\s*```python\n(.*?)```\s*<!-- ci-example-test:end -->",
    re.DOTALL)


def example_test() -> str:
    """The README's example SDK test, as a user copies it."""
    match = EXAMPLE_TEST.search(README.read_text(encoding="utf-8"))
    assert match, "the README lost its example-test markers"
    return match.group(1)


def recipe() -> dict[str, Any]:
    match = RECIPE.search(README.read_text(encoding="utf-8"))
    assert match, "the README lost its CI recipe markers"
    document: dict[str, Any] = yaml.safe_load(match.group(1))
    return document


def job_script(job: str, replacements: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The job's runnable steps as one bash script (a runner runs them in order on one
    machine), and their environment."""
    steps = [s for s in recipe()["jobs"][job]["steps"]
             if "run" in s and not str(s.get("name", "")).startswith("Install")]
    env: dict[str, str] = {}
    for step in steps:
        env.update({k: str(v) for k, v in (step.get("env") or {}).items()})
    script = "set -e\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + "\n".join(
        s["run"] for s in steps)
    for old, new in replacements.items():
        script = script.replace(old, new)
        env = {k: v.replace(old, new) for k, v in env.items()}
    return script, env


def run_job(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return subprocess.run(["bash", "-c", script], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **env, "PATH": path}, timeout=600, check=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_staging_job_reports_no_drift_for_the_mock(live_mock: MockServer, tmp_path: Path) -> None:
    """The drift job, pointed at the mock: exit 0, both reports written, zero drift."""
    script, env = job_script("staging-drift", {
        "${{ secrets.ONEPIN_STAGING_URL }}": live_mock.url,
        "${{ secrets.ONEPIN_STAGING_API_KEY }}": DEMO_KEY})
    done = run_job(script, env, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert done.stdout.startswith("OK: 0 drift(s)")
    report = (tmp_path / "reports" / "drift.md").read_text(encoding="utf-8")
    assert "**OK: 0 drift(s)" in report and "drift(s)**" not in report.split("## Operations")[1]
    assert "<failure" not in (tmp_path / "reports" / "verify.xml").read_text(encoding="utf-8")


def test_sdk_job_runs_an_sdk_test_suite_against_the_served_mock(tmp_path: Path) -> None:
    """The SDK job: `onepin-mock serve` in the background, health-checked, then the README's
    example test, which holds for any load: the mock's clock is frozen until it moves it."""
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_sdk_smoke.py").write_text(example_test(), encoding="utf-8")
    script, env = job_script("sdk-against-mock", {"8080": str(free_port())})
    done = run_job(script, env, tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "1 passed" in done.stdout
