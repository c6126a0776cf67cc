"""State per workspace: generated lazily from the seed, then changed only by writes.

Each workspace has its own lock and its own records, so tests that use different
workspaces never see (or wait for) each other.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from ..clock import Clock
from ..errors import NotFound
from ..settings import Settings
from .catalog import Catalog
from .fixtures import Fixtures, Workspace
from .links import LinkSigner
from .records import RunRecord, UploadRecord, WorkflowRecord


class WorkspaceState:
    def __init__(self, workspace: Workspace) -> None:
        self.info = workspace
        self.workflows: dict[str, WorkflowRecord] = {}
        self.runs: dict[str, RunRecord] = {}
        self.uploads: dict[str, UploadRecord] = {}
        self.lock = threading.RLock()

    @contextmanager
    def writing(self) -> Iterator[WorkspaceState]:
        """Serialise writes to this workspace (checks and mutation under one lock)."""
        with self.lock:
            yield self

    def live_workflows(self) -> list[WorkflowRecord]:
        return [w for w in self.workflows.values() if w.deleted_at is None]

    def workflow(self, workflow_id: str) -> WorkflowRecord:
        record = self.workflows.get(workflow_id)
        if record is None or record.deleted_at is not None:
            raise NotFound("Workflow not found")
        return record

    def runs_of(self, workflow_id: str) -> list[RunRecord]:
        """Runs of one workflow, oldest first."""
        runs = [r for r in self.runs.values() if r.workflow_id == workflow_id]
        return sorted(runs, key=lambda r: (r.run_number, r.id))

    def run(self, workflow_id: str, run_id: str) -> RunRecord:
        self.workflow(workflow_id)
        record = self.runs.get(run_id)
        if record is None or record.workflow_id != workflow_id:
            raise NotFound("Run not found")
        return record

    def uploads_of(self, workflow_id: str) -> list[UploadRecord]:
        uploads = [u for u in self.uploads.values() if u.workflow_id == workflow_id]
        return sorted(uploads, key=lambda u: (u.created_at, u.id))


class World:
    """Every workspace's state plus what is needed to (re)generate it."""

    def __init__(self, settings: Settings, fixtures: Fixtures, catalog: Catalog,
                 clock: Clock) -> None:
        self.settings = settings
        self.fixtures = fixtures
        self.catalog = catalog
        self.clock = clock
        self.links = LinkSigner(settings.jwt_secret, settings.link_ttl_seconds)
        self._states: dict[str, WorkspaceState] = {}
        self._lock = threading.Lock()

    def workspace(self, workspace_id: str) -> WorkspaceState:
        with self._lock:
            state = self._states.get(workspace_id)
            if state is None:
                state = self._generate(workspace_id)
                self._states[workspace_id] = state
            return state

    def _generate(self, workspace_id: str) -> WorkspaceState:
        from .generate import generate_workspace

        workspace = self.fixtures.workspaces.get(workspace_id)
        if workspace is None:
            raise NotFound("Workspace not found")
        return generate_workspace(self, workspace)

    def reset(self, workspace_id: str | None = None) -> None:
        with self._lock:
            if workspace_id is None:
                self._states.clear()
            else:
                self._states.pop(workspace_id, None)

    def now(self) -> datetime:
        return self.clock.now()
