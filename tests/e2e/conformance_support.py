"""Shared pieces of the conformance e2e tests: live servers, a request log, SDK venvs."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mockserver.conformance.results import ABSENT, FAIL, GAP, Result
from mockserver.settings import Settings
from mockserver.testing import MockServer

REPO = Path(__file__).resolve().parents[2]
SDK_VENVS = REPO / ".cache" / "sdk-venvs"
LEGACY_SDK = "0.13.0"
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
# Runs finish in a few seconds (a run minute per real second), so `run --watch` ends.
RUN_SPEED = 60.0


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    status: int


class RequestLog:
    """WSGI middleware around ``app.wsgi_app``: every request the server answered."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.seen: list[Seen] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def recording(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            with self._lock:
                self.seen.append(Seen(environ["REQUEST_METHOD"], environ["PATH_INFO"],
                                      int(status.split()[0])))
            return start_response(status, headers, *rest)

        return self.app(environ, recording)

    def count(self, method: str, path: str) -> int:
        with self._lock:
            return sum(1 for s in self.seen if s.method == method and s.path == path)


@contextmanager
def live_server(**overrides: Any) -> Iterator[tuple[MockServer, RequestLog]]:
    """A strict mock on a free port with a real clock, and the log of what it answered."""
    options: dict[str, Any] = {"strict_responses": True, "run_speed": RUN_SPEED, **overrides}
    settings = dataclasses.replace(Settings(), **options)
    server = MockServer(settings)
    log = RequestLog(server.app.wsgi_app)
    server.app.wsgi_app = log  # type: ignore[method-assign]
    with server:
        yield server, log


def _stamp(version: str) -> str:
    project = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()[:16]
    return f"onepin=={version} project={project}\n"


def sdk_python(version: str) -> Path:
    """The python of ``.cache/sdk-venvs/onepin-<version>`` (onepin==version + this project).

    Created on first use, reused while pyproject.toml is unchanged.
    """
    venv = SDK_VENVS / f"onepin-{version}"
    python = venv / "bin" / "python"
    marker = venv / ".conformance-ready"
    if python.exists() and marker.exists() and marker.read_text() == _stamp(version):
        return python
    if not python.exists():
        _run([sys.executable, "-m", "venv", "--clear", str(venv)])
    _run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
          f"onepin=={version}", str(REPO)])
    marker.write_text(_stamp(version))
    return python


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")


# SDK methods that onepin 0.16.1 added over 0.13.0 (workflows.md §5, runs.md §5).
ADDED_AFTER_0_13 = {"get_run_analysis", "get_workflow_markdown", "validate_workflow",
                    "get_workspace_plan_limits", "get_workspace_subscription",
                    "create_workspace_org_checkout", "preview"}  # voices.preview


def assert_row(results: dict[str, Result], name: str) -> None:
    """Fail (naming the method or command) unless its matrix row passed."""
    result = results.get(name)
    assert result is not None, f"{name}: the matrix produced no row"
    if result.status == ABSENT:
        # Only methods that arrived after the older release may be missing from it.
        assert name.rsplit(".", 1)[-1] in ADDED_AFTER_0_13, f"{name} vanished: {result.reason}"
        return
    assert result.status not in (FAIL, GAP), f"{name} ({result.endpoint}): {result.reason}"
