"""``serve --watch``: reload the fixtures file when it changes, without a restart.

The serving parent process polls the file (its size and modification time, twice a
second: no dependency, and it works on every file system, network mounts included). A
changed file goes through the state engine as a ``fixtures.loaded`` event that replaces
the startup fixtures, so every worker applies it before its next answer, exactly as a
restart on the new file would leave them. A bad edit is reported with file:line and
changes nothing: the fixtures in force stay in force until the file is fixed.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from . import process
from .errors import FixtureError
from .world.service import StateEngine, control

POLL_SECONDS = 0.5


class FixtureWatcher(process.PerProcess):
    """Polls one fixtures file on a daemon thread and reloads it when it changes."""

    def __init__(self, engine: StateEngine, path: Path, *, poll_seconds: float = POLL_SECONDS,
                 out: TextIO | None = None) -> None:
        self.engine = engine
        self.path = path
        self.poll_seconds = poll_seconds
        self.out = out or sys.stderr
        self._seen = self._signature()
        self._loaded_text = self._read()
        self._stop = threading.Event()
        # Held while a reload runs; a fork (granian respawning a worker) waits for it, so a
        # child never inherits the engine's locks mid-reload.
        self._reloading = threading.Lock()
        process.register(self)
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name="onepin-mock-watch")

    def before_fork(self) -> None:
        self._reloading.acquire()

    def after_fork_in_parent(self) -> None:
        self._reloading.release()

    def after_fork_in_child(self) -> None:
        self._reloading.release()

    def start(self) -> FixtureWatcher:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _signature(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None  # mid-save (some editors replace the file): wait for it
        return stat.st_mtime_ns, stat.st_size

    def _read(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def _run(self) -> None:
        while not self._stop.wait(self.poll_seconds):
            signature = self._signature()
            if signature is None or signature == self._seen:
                continue
            self._seen = signature
            with self._reloading:
                try:
                    self.check_now()
                except Exception as exc:  # e.g. the state backend is down: keep watching
                    self._report(f"onepin-mock: fixtures NOT reloaded ({exc!r}); "
                                 "the previous ones stay in force")

    def check_now(self) -> None:
        """Reload if the text differs from the one in force (and report either way)."""
        text = self._read()
        if text is None or text == self._loaded_text:
            return
        self._report(reload_fixtures(self.engine, self.path, text))
        self._loaded_text = text

    def _report(self, line: str) -> None:
        print(line, file=self.out, flush=True)


def reload_fixtures(engine: StateEngine, path: Path, text: str) -> str:
    """Load ``text`` as the new startup fixtures; the line to print about it."""
    try:
        counts = control.replace_fixtures(engine, text, str(path))
    except FixtureError as exc:
        problems = "\n  ".join(exc.problems)
        return (f"onepin-mock: fixtures NOT reloaded, the previous ones stay in force:\n"
                f"  {problems}")
    summary = ", ".join(f"{count} {name}" for name, count in counts.items())
    return f"onepin-mock: fixtures reloaded from {path} ({summary})"


def watch(engine: StateEngine, path: Path) -> Callable[[], None]:
    """Start watching ``path``; returns the function that stops it."""
    return FixtureWatcher(engine, path).start().stop
