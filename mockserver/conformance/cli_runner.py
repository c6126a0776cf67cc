"""Run every CLI case: the real ``onepin`` script, through a recording proxy."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from .cli_cases import CASES
from .cli_enumerate import cli_executable, in_scope_commands, table_methods
from .cli_env import CliCase, CliEnv, Invocation
from .endpoints import describe, mismatch, parse_all
from .errors import describe as describe_error
from .proxy import RecordingProxy
from .results import FAIL, GAP, PASS, Progress, Result, failure
from .scene import Scene
from .sdk_enumerate import import_sdk, sdk_version

Methods = dict[tuple[str, ...], tuple[str, ...]]


def plan(case: CliCase, methods: Methods) -> tuple[tuple[Invocation, ...], str]:
    """The invocations to run for this CLI version, and a note on any substitution.

    Raises AssertionError when the command calls an SDK method the case does not know.
    """
    called = methods.get(case.command)
    if case.sdk_method is None or called is None or called[0] == case.sdk_method:
        return case.invocations, ""
    if called[0] in case.legacy:
        legacy = case.legacy[called[0]]
        return legacy, f"this CLI calls {called[0]}; checked: {', '.join(i.label for i in legacy)}"
    raise AssertionError(f"the CLI now calls {called[0]}, the case expects {case.sdk_method}")


def _exercise(invocation: Invocation, env: CliEnv, proxy: RecordingProxy) -> None:
    argv = invocation.argv(env)  # may run setup first (fresh records, a login)
    mark = proxy.mark()
    token = env.scene.session() if invocation.credential == "session" else None
    run = env.run(argv, auth=invocation.auth, token=token)
    run.requests = proxy.since(mark)
    label = f" [{invocation.label}]" if invocation.label else ""
    try:
        invocation.check(run, env)
        problem = mismatch(parse_all(invocation.endpoints), run.requests)
        if problem:
            raise AssertionError(problem)
    except AssertionError as exc:
        raise AssertionError(f"onepin {' '.join(argv)}{label}: {exc}") from exc


def endpoints_of(invocations: tuple[Invocation, ...], flags: frozenset[str]) -> str:
    """The endpoints of the command lines this CLI can run."""
    runnable = [i for i in invocations if set(i.needs) <= flags]
    return describe(parse_all(tuple(dict.fromkeys(e for i in runnable for e in i.endpoints))))


def exercise(invocations: tuple[Invocation, ...], flags: frozenset[str], env: CliEnv,
             proxy: RecordingProxy, note: str = "") -> str:
    """Run the command lines this CLI has options for; return notes (raise on failure)."""
    skipped = [i.label for i in invocations if not set(i.needs) <= flags]
    for invocation in invocations:
        if set(invocation.needs) <= flags:
            _exercise(invocation, env, proxy)
    if skipped:
        note = "; ".join(filter(None, [note, f"not in this CLI, skipped: {', '.join(skipped)}"]))
    return note


class CliMatrix:
    """This environment's CLI against one server: one row per in-scope command."""

    def __init__(self, base_url: str, progress: Progress | None = None) -> None:
        self.emit: Progress = progress or (lambda _result: None)
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
        setup = ([failure("cli", self.target, "(setup)", str(scene.setup_error))]
                 if scene.setup_error else [])
        for row in setup:
            self.emit(row)
        try:
            with RecordingProxy(self.base_url) as proxy, \
                    tempfile.TemporaryDirectory(prefix="onepin-cli-") as tmp:
                results = []
                for path, flags in in_scope_commands().items():
                    results.append(self._one(path, flags, scene, proxy, Path(tmp), methods))
                    self.emit(results[-1])
                return setup + results
        finally:
            scene.cleanup()
            scene.close()

    def _one(self, path: tuple[str, ...], flags: frozenset[str], scene: Scene,
             proxy: RecordingProxy, tmp: Path, methods: Methods) -> Result:
        name = " ".join(path)
        case = CASES.get(path)
        if case is None:
            return Result("cli", self.target, name, "?", FAIL,
                          "no conformance case for this command: add one to "
                          "mockserver/conformance")
        started = time.monotonic()
        env = CliEnv(str(self.exe), proxy.url, scene, tmp / "-".join(path))
        endpoint = endpoints_of(case.invocations, flags)
        try:
            invocations, note = plan(case, methods)
            endpoint = endpoints_of(invocations, flags)
            note = exercise(invocations, flags, env, proxy, note)
            status, reason = (GAP, case.gap) if case.gap else (PASS, note)
        except Exception as exc:  # any failure becomes a report row
            prefix = "the documented gap changed: " if case.gap else ""
            status, reason = FAIL, prefix + describe_error(exc)
        finally:
            scene.cleanup()
        return Result("cli", self.target, name, endpoint, status, reason,
                      round(time.monotonic() - started, 3))


def run_cli_matrix(base_url: str, progress: Progress | None = None) -> list[Result]:
    """Every in-scope command of this environment's ``onepin`` CLI against ``base_url``."""
    return CliMatrix(base_url, progress).run()
