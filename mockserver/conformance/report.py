"""``onepin-mock conformance``: the SDK and CLI matrices against a live mock, as a table.

Exit status: 0 when nothing failed, 1 when a check failed, 2 when the matrices could not
run (no onepin SDK, an unusable ``--sdk-python``).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..junit import TestCase, write_junit
from .credentials import api_key, use_api_key
from .results import ABSENT, GAP, Progress, Result, dumps
from .table import progress_line, render, summary

KINDS = ("sdk", "cli")
DEFAULT_RUN_SPEED = 60.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onepin-mock conformance",
        description="Call every in-scope onepin SDK method and CLI command against the mock "
                    "and report, per method or command, the endpoint and pass/fail.")
    parser.add_argument("--base-url", help="test this running mock (default: start one "
                                           "in-process on a free port)")
    parser.add_argument("--sdk-python", metavar="PATH",
                        help="python of the environment whose onepin SDK and CLI to test "
                             "(default: this interpreter)")
    parser.add_argument("--only", choices=KINDS, help="run only the SDK or only the CLI matrix")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--run-speed", type=float, default=DEFAULT_RUN_SPEED,
                        help="run speed of the in-process mock (default %(default)s)")
    parser.add_argument("--api-key", help="API key for a server with other credentials "
                                          "(default: env ONEPIN_API_KEY with --base-url, else "
                                          "the demo key)")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="also write JUnit XML")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--worker", choices=KINDS, help=argparse.SUPPRESS)
    return parser


def _fail(message: str) -> int:
    print(f"onepin-mock conformance: {message}", file=sys.stderr)
    return 2


def _sdk_problem() -> str | None:
    """Why ``onepin`` cannot be imported here, or None when it can."""
    try:
        importlib.import_module("onepin")
    except Exception as exc:  # a missing or a broken install: both end the run cleanly
        return f"{type(exc).__name__}: {exc}"
    return None


def _same_interpreter(python: str | None) -> bool:
    """Same environment? Paths are not resolved: venvs link to one shared interpreter."""
    return python is None or os.path.abspath(python) == os.path.abspath(sys.executable)


@contextmanager
def _server(base_url: str | None, run_speed: float) -> Iterator[str]:
    if base_url:
        yield base_url.rstrip("/")
        return
    import dataclasses

    from ..settings import Settings
    from ..testing import MockServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with MockServer(dataclasses.replace(Settings(), run_speed=run_speed)) as server:
        yield server.url


def run_here(kind: str, base_url: str, progress: Progress | None = None) -> list[Result]:
    """One matrix in this interpreter (needs ``onepin`` importable)."""
    if kind == "sdk":
        from .sdk_runner import run_sdk_matrix

        return run_sdk_matrix(base_url, progress)
    from .cli_runner import run_cli_matrix

    return run_cli_matrix(base_url, progress)


def _show(result: Result) -> None:
    print(progress_line(result), file=sys.stderr, flush=True)


def _collect(args: argparse.Namespace, base_url: str) -> list[Result]:
    from .workers import run_worker

    progress = None if args.quiet else _show
    results: list[Result] = []
    for kind in [args.only] if args.only else list(KINDS):
        if not args.quiet:
            print(f"conformance: the {kind.upper()} matrix against {base_url}", file=sys.stderr,
                  flush=True)
        if _same_interpreter(args.sdk_python):
            results += run_here(kind, base_url, progress)
        else:
            results += run_worker(args.sdk_python, kind, base_url, api_key(),
                                  echo=not args.quiet)
    return results


def _junit(path: Path, results: list[Result]) -> None:
    cases = [TestCase(r.target, r.name, seconds=r.seconds,
                      failure=r.reason or "failed" if r.failed else None,
                      skipped=f"{r.status}: {r.reason}" if r.status in (ABSENT, GAP) else None)
             for r in results]
    write_junit(path, "onepin-mock conformance", cases)


def _worker(args: argparse.Namespace) -> int:
    if not args.base_url:
        return _fail("--worker needs --base-url")
    problem = _sdk_problem()
    if problem:
        return _fail(f"the onepin SDK is not importable by {sys.executable} ({problem})")
    use_api_key(args.api_key)
    results = run_here(args.worker, args.base_url, _show)
    print(dumps(results))
    return 1 if any(r.failed for r in results) else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    if args.worker:
        return _worker(args)
    use_api_key(args.api_key or (os.environ.get("ONEPIN_API_KEY") if args.base_url else None))
    problem = _sdk_problem() if _same_interpreter(args.sdk_python) else None
    if problem:
        return _fail(f"the onepin SDK is not importable by {sys.executable} ({problem}); "
                     "install it (pip install onepin) or point --sdk-python at a python that "
                     "has it")
    from .workers import WorkerFailed

    try:
        with _server(args.base_url, args.run_speed) as base_url:
            results = _collect(args, base_url)
    except WorkerFailed as exc:
        return _fail(str(exc))
    if args.junit:
        _junit(args.junit, results)
    print(dumps(results) if args.json else f"{render(results)}\n\n{summary(results)}")
    return 1 if any(r.failed for r in results) else 0
