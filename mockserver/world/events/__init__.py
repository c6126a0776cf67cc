"""The event log: the one source of truth for everything the mock's clients changed.

State = the dataset generated from the seed and fixtures + this ordered log of accepted
commands. Every backend offers the same small interface (``EventLog``): read the head,
read what came after a position, append *only if* the head is still where the caller
saw it, and a bounded request journal. That conditional append is what makes a check
and its write atomic across worker processes and machines.

Rule: this package knows nothing of records, HTTP or Flask; events are plain JSON.
"""

from ...errors import StateUrlError
from .base import Event, EventLog, JournalStore, open_log

__all__ = ["Event", "EventLog", "JournalStore", "StateUrlError", "open_log"]
