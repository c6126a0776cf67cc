"""``WorkspaceState.uploads``: uploads by id, indexed by workflow, seeded ones built on read.

A generated workflow registers how to build its uploads; they are built when that
workflow's uploads are asked for, or (for a look-up by an id not built yet, or a walk of
every upload) all at once (``LazyTable``, shared with the run table). Adding an upload
builds every pending one first, so the table's order is the order a workspace built whole
would have.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .lazy_table import LazyTable
from .records import UploadRecord

UploadSource = Callable[[], list[UploadRecord]]


class UploadTable(LazyTable[UploadRecord]):
    def __init__(self, lock: threading.RLock) -> None:
        super().__init__()
        self._by_workflow: dict[str, list[UploadRecord]] = {}
        self._seeded: dict[str, UploadSource] = {}
        self._lock = lock

    def add_seeded(self, workflow_id: str, source: UploadSource) -> None:
        self._seeded[workflow_id] = source

    def _pending(self) -> dict[str, UploadSource]:
        return self._seeded

    def build(self, workflow_id: str) -> None:
        with self._lock:
            source = self._seeded.pop(workflow_id, None)
            for upload in source() if source is not None else ():
                self._add(upload)

    def _add(self, upload: UploadRecord) -> None:
        previous = dict.get(self, upload.id)
        if previous is not None:
            self._by_workflow[previous.workflow_id].remove(previous)
        super().__setitem__(upload.id, upload)
        self._by_workflow.setdefault(upload.workflow_id, []).append(upload)

    def remove(self, upload_id: str) -> UploadRecord | None:
        """Forget an upload (deleted); None if there is none by that id."""
        self._complete(upload_id)
        upload = dict.pop(self, upload_id, None)
        if upload is not None:
            self._by_workflow[upload.workflow_id].remove(upload)
        return upload

    def confirmed(self, upload_id: str, category: str) -> UploadRecord | None:
        """The workspace's confirmed upload of that category, or None (pending uploads are
        not in this table; a deleted one is gone)."""
        upload = self.get(upload_id)
        return upload if upload is not None and upload.category == category else None

    def of_workflow(self, workflow_id: str) -> list[UploadRecord]:
        """One workflow's uploads, oldest first."""
        if workflow_id in self._seeded:
            self.build(workflow_id)
        return sorted(self._by_workflow.get(workflow_id, ()), key=lambda u: (u.created_at, u.id))

    def __setitem__(self, upload_id: str, upload: UploadRecord) -> None:
        self._complete()
        self._add(upload)
