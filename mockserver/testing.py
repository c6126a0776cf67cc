"""Run the mock on a background thread, for tests and embedding.

    with MockServer(Settings(seed=3)) as server:
        client = OnePinClient(base_url=server.url, token=DEMO_KEY)

Besides serving, a ``MockServer`` gives tests direct handles on the mock: ``world`` and
``clock``, a full ``reset()``, ``create_workspace()``, run helpers (``force_run()``,
``runnable_workflow()``, ``advance()``), the request journal (``requests()``), the API
coverage counted so far (``coverage()``), and the unhandled errors raised inside the server
(``errors``, ``check_errors()``), which the pytest plugin re-raises at teardown.
"""

from __future__ import annotations

import dataclasses
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any

from flask import Flask, got_request_exception, has_request_context, request
from werkzeug.serving import BaseWSGIServer, make_server

from .app import create_app, mock_of
from .demo import DEMO_KEY, READ_ONLY_KEY, SECOND_WORKSPACE_KEY
from .envelope import truncate_ms
from .recording.journal import Entry, Journal, JournalFilter
from .session_tokens import mint_session_token
from .settings import Settings, with_options
from .world.service import StateEngine, billing, control, runs

if TYPE_CHECKING:
    from .clock import ControllableClock
    from .world.state.store import World

__all__ = ["DEMO_KEY", "READ_ONLY_KEY", "SECOND_WORKSPACE_KEY", "MockServer", "MockWorkspace"]

WORKSPACE_OPTIONS = ("name", "workflow_count", "runs_per_workflow", "credit_balance",
                     "concurrent_run_limit", "plan")


@dataclass(frozen=True)
class MockWorkspace:
    """A throwaway workspace with an admin user and an all-scopes API key."""

    id: str
    name: str
    user_id: str
    api_key: str
    api_key_id: str
    scopes: tuple[str, ...]

    @property
    def headers(self) -> dict[str, str]:
        """``Authorization: Bearer <api_key>``, ready for any HTTP client."""
        return {"Authorization": f"Bearer {self.api_key}"}


class MockServer:
    """A live HTTP server on 127.0.0.1 and a free port, stopped on exit."""

    def __init__(self, settings: Settings | None = None, **options: Any) -> None:
        """``options`` override ``settings`` by field or command-line name
        (``MockServer(strict=True, fixtures="my.yaml")``)."""
        chosen = with_options(settings or Settings(), **options)
        self.settings = dataclasses.replace(chosen, host="127.0.0.1", port=0)
        self.app: Flask = create_app(self.settings)
        self.errors: list[BaseException] = []
        self._errors_lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._capture_errors()

    # -- serving ------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> MockServer:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="onepin-mock")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- handles on the mock ------------------------------------------------------------------

    @property
    def world(self) -> World:
        world: World = mock_of(self.app).world
        return world

    @property
    def engine(self) -> StateEngine:
        """The door for state changes (the control API's commands take it)."""
        return mock_of(self.app).engine

    @property
    def journal(self) -> Journal:
        """The request journal and its coverage counters."""
        return mock_of(self.app).journal

    @property
    def clock(self) -> ControllableClock:
        return self.world.clock

    def reset(self) -> None:
        """Back to the state right after startup: world, journal, clock, fault settings and
        captured errors."""
        control.reset(self.engine)  # the clock and the journal included
        with self._errors_lock:
            self.errors.clear()

    def create_workspace(self, **options: Any) -> MockWorkspace:
        """Like ``POST /__mock/workspaces``: options ``name``, ``workflow_count``,
        ``credit_balance``, ``concurrent_run_limit``, ``plan``."""
        unknown = sorted(set(options) - set(WORKSPACE_OPTIONS))
        if unknown:
            raise TypeError(f"unknown workspace option(s) {unknown}; use {list(WORKSPACE_OPTIONS)}")
        created = control.create_workspace(self.engine, options)
        return MockWorkspace(id=created["workspace_id"], name=created["name"],
                             user_id=created["user_id"], api_key=created["api_key"],
                             api_key_id=created["api_key_id"], scopes=tuple(created["scopes"]))

    def set_billing(self, workspace: MockWorkspace | str, *, credit_balance: int | None = None,
                    plan: str | None = None) -> None:
        """Like ``POST /__mock/workspaces/{id}/billing``: the balance of ``workspace`` (a
        ``MockWorkspace`` or an id) from now on (runs settling later debit it) and/or its
        plan (``free``, ``pro``, ``team``, ``enterprise``)."""
        if credit_balance is not None and credit_balance < 0:
            raise ValueError("credit_balance cannot be negative")
        workspace_id = workspace if isinstance(workspace, str) else workspace.id
        body = {k: v for k, v in (("credit_balance", credit_balance), ("plan", plan))
                if v is not None}
        billing.set_billing(self.engine, workspace_id, body, self.clock.now())

    def session_token(self, user_id: str, ttl_seconds: int | None = None) -> str:
        """A session JWT for a fixture user, valid from the mock's "now"."""
        ttl = self.settings.jwt_ttl_seconds if ttl_seconds is None else ttl_seconds
        return mint_session_token(self.settings.jwt_secret, user_id, self.clock.now(), ttl)

    def requests(self, *, method: str | None = None, path: str | None = None,
                 status: int | None = None, workspace_id: str | None = None,
                 operation_id: str | None = None, limit: int | None = None) -> list[Entry]:
        """Journal entries (oldest first) matching every given filter; ``path`` is a glob."""
        where = JournalFilter(method=method, path=path, status=status,
                              workspace_id=workspace_id, operation_id=operation_id)
        return self.journal.find(where, self.settings.journal_size if limit is None
                                       else limit)

    def clear_requests(self) -> int:
        return self.journal.clear()

    # -- run helpers --------------------------------------------------------------------------

    def force_run(self, run_id: str, status: str, **fields: str) -> dict[str, Any]:
        """Drive a run to ``status`` now, like ``POST /__mock/runs/{id}/force``: completed,
        failed (``error=``), cancelled, paused (``pause_reason=``) or running. Returns its
        ``id``, ``workflow_id``, ``workspace_id`` and ``status``. A body the control API
        would refuse raises ``ValueError`` naming the problem."""
        body = {"status": status, **fields}
        self._check_control_body("mock_run_force", body)
        # To the millisecond, as a request's "now": a read in the same millisecond sees it.
        now = truncate_ms(self.clock.now())
        state, run = control.force_run(self.engine, run_id, body, now)
        timeline = run.timeline(now)
        return {"id": run.id, "workflow_id": run.workflow_id, "workspace_id": state.info.id,
                "status": timeline.status}

    def _check_control_body(self, operation_id: str, body: dict[str, Any]) -> None:
        """Hold a helper's input to the control operation's schema in admin-openapi.yaml."""
        mock = mock_of(self.app)
        operation = next(op for op in mock.admin_spec.operations
                         if op.operation_id == operation_id)
        assert operation.body_validator is not None
        problems = [f"{'.'.join(map(str, e.absolute_path)) or 'body'}: {e.message}"
                    for e in operation.body_validator.iter_errors(body)]
        if problems:
            raise ValueError(f"{operation_id}: " + "; ".join(problems))

    def runnable_workflow(self, workspace: MockWorkspace | str) -> str:
        """The id of a workflow of ``workspace`` (a ``MockWorkspace`` or an id) that a run
        start accepts now: its graph can run, credits suffice, nothing blocks it."""
        workspace_id = workspace if isinstance(workspace, str) else workspace.id
        found = runs.runnable_workflows(self.engine, workspace_id, self.clock.now())
        if not found:
            raise LookupError(f"workspace {workspace_id} has no workflow that can start a run "
                              "now (none with a runnable graph, or credits or capacity short)")
        return found[0]

    def hold_clock(self) -> None:
        """Freeze the mock's clock where it is (through the state engine): runs started
        from now on stay ``pending`` until ``advance`` or ``force_run``, so a test that
        asserts a live run's status holds however slow the machine. The next reset
        gives back the startup clock."""
        control.set_clock(self.engine, frozen_at=truncate_ms(self.clock.now()))

    def advance(self, seconds: float) -> None:
        """Move the mock's clock forward (runs progress with it); ``clock.advance`` shorthand
        that goes through the state engine like ``POST /__mock/clock``."""
        control.set_clock(self.engine, advance_seconds=seconds)

    # -- API coverage ---------------------------------------------------------------------------

    def coverage(self, workspace_id: str | None = None) -> dict[str, Any]:
        """The coverage report, as ``GET /__mock/coverage`` answers it."""
        return self.journal.coverage.report(workspace_id)

    def coverage_counts(self) -> dict[str, int]:
        """The raw coverage counters (what the pytest plugin merges across servers)."""
        return self.journal.coverage.counts()

    @property
    def spec_operations(self) -> tuple[str, ...]:
        return self.journal.coverage.spec_operations

    # -- errors inside the server -------------------------------------------------------------

    def _capture_errors(self) -> None:
        pipeline = mock_of(self.app).pipeline
        previous = pipeline.on_error

        def on_error(exc: BaseException) -> None:
            self._record_error(exc)
            if previous is not None:
                previous(exc)

        pipeline.on_error = on_error
        # Exceptions that escape the pipeline (e.g. a strict-mode response contract error);
        # held weakly, so a dropped server is not kept alive by the signal.
        got_request_exception.connect(self._on_flask_exception, self.app)

    def _on_flask_exception(self, sender: Any, exception: BaseException, **_: Any) -> None:
        self._record_error(exception)

    def _record_error(self, exc: BaseException) -> None:
        if has_request_context():
            exc.add_note(f"(raised inside onepin-mock while serving {request.method} "
                         f"{request.full_path.rstrip('?')})")
        with self._errors_lock:
            self.errors.append(exc)

    def check_errors(self) -> None:
        """Re-raise (and forget) the unhandled server-side errors since the last check.

        One error is raised as itself, with its server-side traceback; several as a group.
        """
        with self._errors_lock:
            errors, self.errors[:] = list(self.errors), []
        if len(errors) == 1:
            raise errors[0]
        if errors:
            raise BaseExceptionGroup(f"onepin-mock raised {len(errors)} errors", errors)
