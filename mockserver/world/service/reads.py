"""Reads whose answers are kept: the policy (what an answer depends on, when it is kept)
lives here, not in the handlers that ask.

A settled run (terminal, no control still ahead) reads the same within one
``ReadStamp`` (events applied, link expiry second), so its detail, steps, overview,
analysis, data and outputs are encoded once and sent again: a client polling a finished
run, or a load test, stops paying for building and encoding a 40 KB page each time. An
active run's answer is never kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime

from ..runs.record import RunRecord
from ..state.derived import EncodedRead, ReadStamp
from ..state.store import WorkspaceState
from .engine import StateEngine


def settled_read(engine: StateEngine, state: WorkspaceState, run: RunRecord, now: datetime,
                 depends_on: Hashable,
                 encode: Callable[[], EncodedRead | None]) -> EncodedRead | None:
    """A settled run's encoded answer: kept per stamp and ``depends_on`` (what else the
    answer reads: the operation, its query, the request URL links are built on), made by
    ``encode`` when missing. None when the run is not settled, or the answer cannot be
    kept (``encode`` gave None): the caller answers afresh."""
    with state.lock:
        stamp = ReadStamp(engine.applied, engine.world.links.expiry(now))
        if not run.settled(now):
            return None
    cache = engine.caches.encoded_reads
    key = (depends_on, state.info.id, run.id)
    kept = cache.get(key, stamp)
    if kept is None:
        kept = encode()
        if kept is not None:
            cache.put(key, stamp, kept)
    return kept
