"""Run a matrix in another interpreter (another SDK version) and read back its results."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from .results import Result, loads

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the ``mockserver`` package
WORKER_TIMEOUT = 900.0
_PREFIX = "onepin-mock conformance: "


class WorkerFailed(RuntimeError):
    """The other interpreter could not run the matrix (no onepin there, a crash...)."""


@contextmanager
def _import_path() -> Iterator[str]:
    """A directory holding only a ``mockserver`` link: this package, nothing else of ours.

    Putting the package's parent on PYTHONPATH instead could put a whole site-packages (with
    a different onepin) in front of the other environment's own.
    """
    with tempfile.TemporaryDirectory(prefix="onepin-conformance-") as tmp:
        (Path(tmp) / "mockserver").symlink_to(PACKAGE_DIR, target_is_directory=True)
        yield tmp


def worker_command(python: str, kind: str, base_url: str, api_key: str | None = None) -> list[str]:
    command = [python, "-m", "mockserver.conformance", "--worker", kind, "--base-url", base_url]
    return command + (["--api-key", api_key] if api_key else [])


def _progress_line(line: str) -> bool:
    return line.startswith("  ")  # the worker's progress lines (table.progress_line)


def run_worker(python: str, kind: str, base_url: str, api_key: str | None = None, *,
               echo: bool = False) -> list[Result]:
    """``kind`` ("sdk" or "cli") matrix of the environment of ``python`` against ``base_url``;
    with ``echo``, the worker's progress lines are passed on as they come."""
    python = os.path.abspath(python)  # the worker runs in another directory
    with _import_path() as path, tempfile.TemporaryFile("w+") as out:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (path, env.get("PYTHONPATH")) if p)
        try:
            returncode, errors = _stream(worker_command(python, kind, base_url, api_key),
                                         env, path, out, echo)
        except OSError as exc:
            raise WorkerFailed(f"cannot run {python}: {exc}") from exc
        out.seek(0)
        stdout = out.read()
    if returncode == 2 and errors.startswith(_PREFIX):  # the worker's own refusal
        raise WorkerFailed(errors.strip().removeprefix(_PREFIX))
    if returncode not in (0, 1):
        raise WorkerFailed(f"{python} -m mockserver.conformance --worker {kind} exited "
                           f"{returncode}: {errors.strip()[-600:]}")
    try:
        return loads(stdout)
    except (ValueError, KeyError, TypeError) as exc:
        raise WorkerFailed(f"unreadable worker output: {stdout[-300:]!r} "
                           f"{errors.strip()[-300:]}") from exc


def _stream(command: list[str], env: dict[str, str], cwd: str, out: IO[str],
            echo: bool) -> tuple[int, str]:
    """Run the worker; stdout to a file (it may be large), stderr read line by line."""
    errors: list[str] = []
    with subprocess.Popen(command, stdout=out, stderr=subprocess.PIPE, text=True, env=env,
                          cwd=cwd) as worker:
        assert worker.stderr is not None
        for line in worker.stderr:
            if _progress_line(line):
                if echo:
                    sys.stderr.write(line)
                    sys.stderr.flush()
            else:
                errors.append(line)
        returncode = worker.wait(timeout=WORKER_TIMEOUT)
    return returncode, "".join(errors)
