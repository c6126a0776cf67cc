"""The journal's clocks between processes, in one place, with the relations they rely on
checked at import.

A writing process holds its entries (``write_behind.py``) and writes them when a reader in
any process asks (it looks every ``WRITER_POLL``), after ``IDLE_WRITE`` without a new one,
and at exit. It also beats every ``WRITER_BEAT`` so readers can tell it is alive: one
silent for ``SILENT_FOR_DEAD`` is taken for dead (readers stop waiting for it, and its
request file may be folded into the retired one). A reader waits at most ``READ_WAIT``.
"""

from __future__ import annotations

WRITER_POLL = 0.005  # seconds between a writer's looks for a reader's question
IDLE_WRITE = 0.2  # held entries are written after this long without a newer one
WRITER_BEAT = 1.0  # a writer that wrote nothing for this long says it is alive
SILENT_FOR_DEAD = 3.0  # a writer silent this long is taken for dead
READ_WAIT = 2.0  # the longest a reader waits for the writers

# Each look is far shorter than the wait that depends on it.
assert 0 < WRITER_POLL < IDLE_WRITE < WRITER_BEAT
# A live writer answers a question within a look and a write: well inside a reader's wait.
assert WRITER_POLL * 10 <= READ_WAIT
# A writer late by one beat (a slow write, a busy machine) is not yet taken for dead.
assert WRITER_BEAT * 2 <= SILENT_FOR_DEAD
# A reader gives up on a writer that died just now before that writer is declared dead,
# so no read ever waits longer than READ_WAIT, dead writers included.
assert READ_WAIT < SILENT_FOR_DEAD
