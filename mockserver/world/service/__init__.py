"""The one door through which the mock's state changes.

Every state change (workflow writes, run starts and controls, favorites, uploads, forced
runs, workspaces, fixtures, the clock, resets) is a command: the service checks it against
this process's view of the state, turns it into an event, appends that event to the shared
log *only if nobody appended since the view was read*, and then applies it. Another process applies
the same event when it next syncs, through the same applier, so every record is built
in exactly one place.

Rule: may import the rest of ``world`` and ``errors``; never Flask, handlers or the spec.
"""

from . import billing, control, runs, uploads, voices, workflows
from .engine import StateEngine

__all__ = ["StateEngine", "billing", "control", "runs", "uploads", "voices", "workflows"]
