"""The Docker image's promises, checked without a Docker engine.

No engine runs on these machines, so the Dockerfile is parsed and its exact CMD and
HEALTHCHECK commands are run locally with the image's environment.
"""

from __future__ import annotations

import json
import os
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    pairs = [tuple(line.split(None, 1)) for line in lines if line and not line.startswith("#")]
    return [(op.upper(), rest) for op, rest in pairs]  # type: ignore[misc]


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (op, _) in enumerate(steps) if op == "FROM")
    return steps[last_from:]


def image_env() -> dict[str, str]:
    env = {}
    for op, rest in final_stage():
        if op == "ENV":
            for pair in shlex.split(rest):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def exec_form(op: str) -> list[str]:
    rest = next(r for o, r in final_stage() if o == op)
    if op == "HEALTHCHECK":
        rest = rest[rest.index("CMD") + 3:]
    return list(json.loads(rest))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_image_is_multi_stage_and_runs_as_non_root() -> None:
    """Two stages; the runtime stage switches to an unprivileged user before CMD."""
    ops = [op for op, _ in instructions()]
    assert ops.count("FROM") == 2
    users = [rest for op, rest in final_stage() if op == "USER"]
    assert users and users[-1] not in ("root", "0")


def test_dependencies_are_installed_before_the_source_is_copied() -> None:
    """The dependency layer does not change when only the source changes."""
    steps = instructions()
    wheel_deps = next(i for i, (op, rest) in enumerate(steps) if "-r requirements.txt" in rest)
    copy_source = next(i for i, (op, rest) in enumerate(steps)
                       if op == "COPY" and rest.startswith("mockserver"))
    assert wheel_deps < copy_source


def test_dockerignore_is_an_allowlist() -> None:
    """Everything is excluded except what the build copies."""
    lines = [ln for ln in (ROOT / ".dockerignore").read_text().splitlines()
             if ln and not ln.startswith("#")]
    assert lines[0] == "*"
    allowed = {ln[1:].rstrip("/") for ln in lines if ln.startswith("!")}
    copied = {rest.split()[0].rstrip("/") for op, rest in instructions()
              if op == "COPY" and not rest.startswith("--from")}
    copied = {c for part in copied for c in part.split()}
    assert copied <= allowed | {"./"}


def test_cmd_serves_and_healthcheck_passes() -> None:
    """The image's CMD starts the mock and its HEALTHCHECK command then succeeds."""
    port = free_port()
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, **image_env(), "ONEPIN_MOCK_HOST": "127.0.0.1",
           "ONEPIN_MOCK_PORT": str(port), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    server = subprocess.Popen(exec_form("CMD"), env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        healthcheck = [sys.executable if a == "python" else a for a in exec_form("HEALTHCHECK")]
        deadline = time.monotonic() + 30
        while True:
            result = subprocess.run(healthcheck, env=env, capture_output=True, check=False)
            if result.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert result.returncode == 0, result.stderr.decode()
    finally:
        server.terminate()
        server.wait(timeout=10)
