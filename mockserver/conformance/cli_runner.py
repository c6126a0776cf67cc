"""Run every CLI case: the real ``onepin`` script, through a recording proxy."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from .cli_cases import CASES
from .cli_enumerate import cli_executable, in_scope_commands, table_methods
from .cli_env import CliCase, CliEnv, CliRun, Invocation
from .endpoints import describe, mismatch, parse_all
from .errors import describe as describe_error
from .proxy import RecordingProxy
from .results import FAIL, GAP, PASS, Result
from .scene import Scene
from .sdk_enumerate import import_sdk, sdk_version


def _invoke(invocation: Invocation, env: CliEnv, proxy: RecordingProxy) -> CliRun:
    argv = invocation.argv(env)  # may run setup first (fresh records, a login)
    mark = proxy.mark()
    run = env.run(argv, auth=invocation.auth)
    run.requests = proxy.since(mark)
    return run


def _table_drift(case: CliCase, methods: dict[tuple[str, ...], tuple[str, ...]]) -> str | None:
    called = methods.get(case.command)
    if case.sdk_method is None or called is None or called[0] == case.sdk_method:
        return None
    return f"the CLI now calls {called[0]}, the case expects {case.sdk_method}"


def _exercise(case: CliCase, env: CliEnv, proxy: RecordingProxy) -> None:
    seen = []
    for invocation in case.invocations:
        run = _invoke(invocation, env, proxy)
        seen += run.requests
        try:
            invocation.check(run, env)
        except AssertionError as exc:
            label = f" [{invocation.label}]" if invocation.label else ""
            raise AssertionError(f"{' '.join(run.argv)}{label}: {exc}") from exc
    problem = mismatch(parse_all(case.endpoints), seen)
    if problem:
        raise AssertionError(problem)


class CliMatrix:
    def __init__(self, base_url: str) -> None:
        import_sdk()
        self.target = f"onepin {sdk_version()} CLI"
        self.base_url = base_url
        self.exe = cli_executable()

    def run(self) -> list[Result]:
        if not self.exe.exists():
            return [Result("cli", self.target, "onepin", "-", FAIL,
                           f"no CLI script at {self.exe}")]
        methods = table_methods()
        scene = Scene(self.base_url)
        try:
            with RecordingProxy(self.base_url) as proxy, \
                    tempfile.TemporaryDirectory(prefix="onepin-cli-") as tmp:
                return [self._one(path, scene, proxy, Path(tmp), methods)
                        for path in in_scope_commands()]
        finally:
            scene.cleanup()
            scene.close()

    def _one(self, path: tuple[str, ...], scene: Scene, proxy: RecordingProxy, tmp: Path,
             methods: dict[tuple[str, ...], tuple[str, ...]]) -> Result:
        name = " ".join(path)
        case = CASES.get(path)
        if case is None:
            return Result("cli", self.target, name, "?", FAIL,
                          "no conformance case for this command: add one to "
                          "mockserver/conformance")
        started = time.monotonic()
        env = CliEnv(str(self.exe), proxy.url, scene, tmp / "-".join(path))
        status, reason = self._status(case, env, proxy, methods)
        return Result("cli", self.target, name, describe(parse_all(case.endpoints)), status,
                      reason, round(time.monotonic() - started, 3))

    def _status(self, case: CliCase, env: CliEnv, proxy: RecordingProxy,
                methods: dict[tuple[str, ...], tuple[str, ...]]) -> tuple[str, str]:
        try:
            drift = _table_drift(case, methods)
            if drift:
                return FAIL, drift
            _exercise(case, env, proxy)
        except Exception as exc:  # any failure becomes a report row
            prefix = "the documented gap changed: " if case.gap else ""
            return FAIL, prefix + describe_error(exc)
        finally:
            env.scene.cleanup()
        return (GAP, case.gap) if case.gap else (PASS, "")


def run_cli_matrix(base_url: str) -> list[Result]:
    """Every in-scope command of this environment's ``onepin`` CLI against ``base_url``."""
    return CliMatrix(base_url).run()
