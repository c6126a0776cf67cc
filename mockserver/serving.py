"""``onepin-mock serve``: the app under granian, in one or several worker processes.

Granian was chosen by measurement (ARCHITECTURE.md, "Serving"): its Rust I/O layer keeps
accepting and parsing requests while every Python thread is busy, so idle or slow
connections never starve ``/__mock/health``, where gunicorn's threaded workers hang.

Workers are separate processes, each with its own view of the state: the event log is
what they share. With more than one worker and the default in-memory log, the log moves
to a temporary SQLite file so that every worker sees every write.
"""

from __future__ import annotations

import base64
import dataclasses
import logging
import os
import pickle
import shutil
import tempfile
from pathlib import Path

from flask import Flask

from .errors import StartupError
from .settings import Settings

SETTINGS_VARIABLE = "ONEPIN_MOCK_SERVE_SETTINGS"


def shared_settings(settings: Settings, workers: int, watch: bool = False
                    ) -> tuple[Settings, Path | None]:
    """Settings every worker can share: a memory log becomes a temporary SQLite file. So
    it does with ``--watch``: the parent, which watches, writes reloads to the log."""
    if (workers <= 1 and not watch) or settings.state_url != "memory":
        return settings, None
    folder = Path(tempfile.mkdtemp(prefix="onepin-mock-state-"))
    return dataclasses.replace(settings, state_url=f"sqlite:///{folder / 'state.db'}"), folder


# The app the parent built before starting the workers. Workers forked from it (granian's
# default on Linux) inherit it ready: startup then pays for building it once, not twice.
# Nothing in it is tied to the parent's process (log connections are opened per process,
# the journal names the answering pid), and the parent itself never serves.
_BUILT_BY_PARENT: Flask | None = None


def app_from_environment() -> Flask:
    """The worker's app factory: the parent's app when forked from it; otherwise built from
    the settings the parent put in the environment (pickled: the same program on both
    sides, and Paths and datetimes survive intact)."""
    if _BUILT_BY_PARENT is not None:
        return _BUILT_BY_PARENT
    from .app import create_app

    settings = pickle.loads(base64.b64decode(os.environ[SETTINGS_VARIABLE]))
    console_logging()
    return create_app(settings)


def console_logging() -> None:
    """One plain line per record on stderr (the per-request line of every worker)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", force=True)
    logging.getLogger("onepin_mock.access").disabled = False


def serve(settings: Settings, workers: int, threads: int, version: str,
          watch: bool = False) -> None:
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    from .app import create_app
    from .hosts import bind_address

    global _BUILT_BY_PARENT
    try:
        # granian binds addresses only: `--host localhost` becomes 127.0.0.1.
        address = bind_address(settings.host)
    except ValueError as exc:
        raise StartupError(str(exc)) from exc
    settings, scratch = shared_settings(settings, workers, watch)
    # Built here so a bad flag or file fails once, with a clear message, not in every worker.
    _BUILT_BY_PARENT = create_app(settings)
    if watch:
        from .app import mock_of
        from .fixture_watch import FixtureWatcher

        FixtureWatcher(mock_of(_BUILT_BY_PARENT).engine, settings.fixtures_path).start()
    os.environ[SETTINGS_VARIABLE] = base64.b64encode(pickle.dumps(settings)).decode()
    base = f"http://{settings.host}:{settings.port}"
    pages = f"docs {base}/docs" + (f", console {base}/__mock/" if settings.admin_enabled else "")
    # The one startup line (granian's own start-up messages are turned down to errors).
    print(f"onepin-mock {version} listening on {base} ({pages}; {workers} "
          f"worker{'s' if workers != 1 else ''}, state {settings.state_url}"
          f"{f'; watching {settings.fixtures_path}' if watch else ''})", flush=True)
    try:
        Server("mockserver.serving:app_from_environment", address=address,
               port=settings.port, interface=Interfaces.WSGI, workers=workers,
               blocking_threads=threads, factory=True, log_access=False,
               log_level=LogLevels.error,
               respawn_failed_workers=True).serve()
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
