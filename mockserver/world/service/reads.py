"""Reads whose answers are kept: the policy (what an answer depends on, when it is kept)
lives here, not in the handlers that ask.

An answer is *steady* when nothing it shows can change before the next event: a settled
run (terminal, no control still ahead), a workflow whose runs are all settled (or whose
seed's statuses are reached), a list page made only of such workflows, a runs summary of
settled runs. A steady answer reads the same within one ``ReadStamp`` (events applied,
link expiry second), so it is encoded once and sent again: a client polling a finished
run or a quiet list, or a load test, stops paying for building and encoding it each time.
An answer that is not steady (a live run, a workflow with one) is never kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime

from ..state.derived import EncodedRead, ReadStamp
from ..state.store import WorkspaceState
from .engine import StateEngine

# What ``encode`` gives: the encoded answer (None: it cannot be kept, the caller answers
# afresh) and whether it is steady.
Encoded = tuple[EncodedRead | None, bool]


def kept_read(engine: StateEngine, state: WorkspaceState, depends_on: Hashable,
              now: datetime, encode: Callable[[], Encoded]) -> EncodedRead | None:
    """A steady answer kept for ``depends_on`` (everything the answer reads besides the
    workspace's events and the links' expiry second: the operation, its path parameters
    and query, the request URL links are built on), or the one ``encode`` makes now, kept
    if steady. None when ``encode`` could not encode it."""
    # Taken before anything is built: a value built while an event lands is kept under
    # the older stamp, which the next read no longer asks for.
    stamp = ReadStamp(engine.applied, engine.world.links.expiry(now))
    cache = engine.caches.encoded_reads
    key = (depends_on, state.info.id)
    kept = cache.get(key, stamp)
    if kept is None:
        kept, steady = encode()
        if kept is not None and steady:
            cache.put(key, stamp, kept)
    return kept
