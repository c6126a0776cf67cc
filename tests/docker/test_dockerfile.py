"""The Docker image's promises, checked without a Docker engine.

No engine runs on these machines, so the Dockerfile is parsed and its exact CMD and
HEALTHCHECK commands are run locally with the image's environment.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
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


def test_runtime_stage_keeps_no_wheels_in_a_layer() -> None:
    """The wheels reach the runtime stage only through a build-time mount, never a COPY
    (a later `rm` cannot take a file out of the layer that added it)."""
    stage = final_stage()
    assert not [rest for op, rest in stage if op == "COPY" and "/wheels" in rest]
    install = next(rest for op, rest in stage if op == "RUN" and "pip install" in rest)
    assert "--mount=type=bind,from=build,source=/wheels" in install


def _inner_pid(unshare_pid: int) -> int:
    """The process unshare forked into the new PID namespace (PID 1 there)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = Path(f"/proc/{unshare_pid}/task/{unshare_pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.05)
    raise AssertionError("unshare started no process")


def _wait_healthy(env: dict[str, str]) -> None:
    healthcheck = [sys.executable if a == "python" else a for a in exec_form("HEALTHCHECK")]
    deadline = time.monotonic() + 30
    while subprocess.run(healthcheck, env=env, capture_output=True, check=False).returncode:
        assert time.monotonic() < deadline, "the server did not become healthy"
        time.sleep(0.3)


def test_cmd_as_pid_1_stops_within_two_seconds_on_sigterm() -> None:
    """`docker stop` sends SIGTERM to PID 1, for which the kernel ignores any signal the
    process has no handler for. The CMD runs here as PID 1 of a new PID namespace (as in
    a container) and must exit within 2 s of SIGTERM, with status 0."""
    assert os.geteuid() == 0 and shutil.which("unshare"), \
        "needs root and util-linux's unshare (the test machines have both)"
    port = free_port()
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, **image_env(), "ONEPIN_MOCK_HOST": "127.0.0.1",
           "ONEPIN_MOCK_PORT": str(port), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    wrapper = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", *exec_form("CMD")],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = _inner_pid(wrapper.pid)
    try:
        status = Path(f"/proc/{server}/status").read_text()
        namespace_pids = next(line for line in status.splitlines() if line.startswith("NSpid:"))
        assert namespace_pids.split()[-1] == "1"  # PID 1 inside its namespace
        _wait_healthy(env)
        os.kill(server, signal.SIGTERM)
        assert wrapper.wait(timeout=2) == 0  # raises TimeoutExpired if it is still up
    finally:
        if wrapper.poll() is None:
            os.kill(server, signal.SIGKILL)
            wrapper.wait(timeout=10)
