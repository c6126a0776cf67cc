"""The event log: the one source of truth for everything the mock's clients changed.

State = the dataset generated from the seed and fixtures + this ordered log of accepted
commands. Every backend offers the same small interface (``EventLog``): read the head,
read what came after a position, append *only if* the head is still where the caller
saw it. That conditional append is what makes a check
and its write atomic across worker processes and machines.

Rule: this package knows nothing of records, HTTP or Flask; events are plain JSON, and
``typed`` is the one conversion between a kind's dataclass (``world/service/appliers``)
and that JSON. The interface never imports its backends: ``state_backends.open_state``
chooses one.
"""

from ...errors import StateUrlError
from .base import Event, EventLog, Snapshot, encode

__all__ = ["Event", "EventLog", "Snapshot", "StateUrlError", "encode"]
