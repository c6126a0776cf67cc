"""Run a matrix in another interpreter (another SDK version) and read back its results."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


def worker_command(python: str, kind: str, base_url: str) -> list[str]:
    return [python, "-m", "mockserver.conformance", "--worker", kind, "--base-url", base_url]


def run_worker(python: str, kind: str, base_url: str) -> list[Result]:
    """``kind`` ("sdk" or "cli") matrix of the environment of ``python`` against ``base_url``."""
    python = os.path.abspath(python)  # the worker runs in another directory
    with _import_path() as path:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (path, env.get("PYTHONPATH")) if p)
        try:
            done = subprocess.run(worker_command(python, kind, base_url), capture_output=True,
                                  text=True, env=env, cwd=path, timeout=WORKER_TIMEOUT,
                                  check=False)
        except OSError as exc:
            raise WorkerFailed(f"cannot run {python}: {exc}") from exc
    if done.returncode == 2 and done.stderr.startswith(_PREFIX):  # the worker's own refusal
        raise WorkerFailed(done.stderr.strip().removeprefix(_PREFIX))
    if done.returncode not in (0, 1):
        raise WorkerFailed(f"{python} -m mockserver.conformance --worker {kind} exited "
                           f"{done.returncode}: {done.stderr.strip()[-600:]}")
    try:
        return loads(done.stdout)
    except (ValueError, KeyError, TypeError) as exc:
        raise WorkerFailed(f"unreadable worker output: {done.stdout[-300:]!r} "
                           f"{done.stderr.strip()[-300:]}") from exc
