"""Running the real ``onepin`` CLI in a subprocess with an isolated HOME."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cases import expect
from .credentials import api_key
from .endpoints import Request
from .scene import Scene

CLI_TIMEOUT = 180.0


@dataclass
class CliRun:
    argv: list[str]
    returncode: int
    stdout: str
    stderr: str
    requests: list[Request] = field(default_factory=list)

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.stdout)
        except ValueError as exc:
            raise AssertionError(f"stdout is not JSON: {self.stdout[:200]!r}") from exc

    @property
    def error(self) -> dict[str, Any]:
        """The ``error`` object of the JSON failure envelope the CLI writes to stderr."""
        try:
            document = json.loads(self.stderr)
        except ValueError as exc:
            raise AssertionError(f"stderr is not a JSON envelope: {self.stderr[:200]!r}") from exc
        expect(isinstance(document.get("error"), dict), f"no error object: {document!r}")
        return dict(document["error"])

    def ok(self) -> Any:
        """The parsed ``--json`` output of a command that must have succeeded."""
        expect(self.returncode == 0, f"exit {self.returncode}: {self.stderr.strip()[:300]}")
        return self.json


class CliEnv:
    """One case's surroundings: the CLI executable, a HOME of its own, the scene."""

    def __init__(self, exe: str, base_url: str, scene: Scene, workdir: Path) -> None:
        self.exe = exe
        self.base_url = base_url
        self.scene = scene
        self.workdir = workdir
        self.home = workdir / "home"
        self.home.mkdir(parents=True, exist_ok=True)

    @property
    def credentials_file(self) -> Path:
        return self.home / ".onepin" / "credentials"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ONEPIN_")}
        env.update(HOME=str(self.home), NO_COLOR="1", COLUMNS="200", PYTHONIOENCODING="utf-8")
        return env

    def run(self, argv: list[str], *, auth: bool = True, token: str | None = None) -> CliRun:
        """Run ``onepin [--base-url URL --api-key KEY] ARGV``; ``token`` (a session JWT,
        which the CLI sends as it sends a key) instead of the matrix's key."""
        root = ["--base-url", self.base_url, "--api-key", token or api_key()] if auth else []
        command = [self.exe, *root, *argv]
        done = subprocess.run(command, capture_output=True, text=True, env=self.environment(),
                              cwd=self.workdir, timeout=CLI_TIMEOUT, check=False)
        return CliRun(argv, done.returncode, done.stdout, done.stderr)

    def login(self) -> None:
        done = self.run(["login", "--key", api_key(), "--base-url", self.base_url], auth=False)
        expect(done.returncode == 0, f"setup login failed: {done.stderr.strip()}")


Argv = Callable[[CliEnv], list[str]]
CliCheck = Callable[[CliRun, CliEnv], None]


@dataclass(frozen=True)
class Invocation:
    argv: Argv
    check: CliCheck
    endpoints: tuple[str, ...]  # every request this command line may and must make
    label: str = ""
    auth: bool = True  # pass --base-url and --api-key
    needs: tuple[str, ...] = ()  # options an older CLI may lack: skipped when it does
    credential: str = "key"  # "key" (the matrix's API key) or "session" (Ada's session JWT)


@dataclass(frozen=True)
class CliCase:
    command: tuple[str, ...]  # e.g. ("workflows", "runs", "list")
    invocations: tuple[Invocation, ...]
    sdk_method: str | None = None  # table-driven commands: the SDK method the CLI calls
    gap: str | None = None  # a documented mock limitation; the checks pin the failure mode
    # When an older CLI calls another SDK method for this command: what to check instead.
    legacy: dict[str, tuple[Invocation, ...]] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return " ".join(self.command)

    @property
    def endpoints(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e for i in self.invocations for e in i.endpoints))


def fixed(*argv: str) -> Argv:
    """An argument builder for a command line that needs nothing from the scene."""

    def build(env: CliEnv) -> list[str]:
        return list(argv)

    return build


def cli_table(*cases: CliCase) -> dict[tuple[str, ...], CliCase]:
    return {case.command: case for case in cases}
