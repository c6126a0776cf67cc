"""``StateEngine``: this process's view of (generated dataset + event log)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from ..events import Event, EventLog
from ..events.typed import EventData
from ..state.derived import DerivedCaches
from ..state.store import World
from .appliers import apply_event, is_full_reset, restarts_time, typed

T = TypeVar("T")
Decide = Callable[[], EventData | None]


class StateEngine:
    """Keeps ``world`` equal to fold(generated dataset, log) and appends new events.

    ``sync()`` runs before every request: one read of the log's head when nothing
    changed. ``execute(decide)`` is the only way to write: ``decide`` checks the command
    against the up-to-date view and proposes an event, its kind's dataclass (or raises an
    ``ApiError``, or returns ``None`` for a no-op). The log stores its payload, and every
    process (this one too) applies what the log hands back. The append succeeds only if
    the log's head is still the one the view was built from, otherwise the view catches up
    and ``decide`` runs again. So a check and its write are atomic across processes and
    machines.
    """

    def __init__(self, world: World, log: EventLog) -> None:
        self.world = world
        self.log = log
        self.applied = 0
        # The latest instant an applied event was decided at (None after the clock was
        # set or the state reset): no command may decide at an earlier one.
        self.newest_instant: datetime | None = None
        self._lock = threading.RLock()
        self.caches = DerivedCaches()  # what reads worked out, each with what it depends on
        # Called once, in this process, after it took a full reset command (not when a
        # reset by another process is applied): the app empties its request journal here.
        self.on_full_reset: list[Callable[[], object]] = []
        self.on_sync: Callable[[], None] | None = None  # cheap: runs before every request

    def locked(self) -> threading.RLock:
        """The engine's lock: no event is applied or appended while it is held."""
        return self._lock

    def restored(self, applied: int, newest_instant: datetime | None) -> None:
        """The world was set to a snapshot taken at event ``applied``."""
        self.applied, self.newest_instant = applied, newest_instant
        self.caches = DerivedCaches()

    def sync(self) -> None:
        if self.on_sync is not None:
            self.on_sync()
        if self.log.head() != self.applied:
            with self._lock:
                self._catch_up()

    def execute(self, decide: Decide) -> Event | None:
        with self._lock:
            while True:
                self._catch_up()
                proposal = decide()
                if proposal is None:
                    return None
                event = self.log.append(self.applied, proposal.KIND, proposal.to_payload())
                if event is not None:
                    self._apply(event.seq, typed(event))
                    return event

    def execute_then(self, decide: Decide, read: Callable[[], T]) -> T:
        """``execute``, then ``read`` the result before any other write can land."""
        with self._lock:
            self.execute(decide)
            return read()

    def instant(self, now: datetime) -> datetime:
        """The instant a command decides at: ``now`` (taken when its request arrived), or
        the newest event's instant if that is later. A request that waited for the lock
        behind a later one (in this process or another) would otherwise judge the state
        before that event's instant: a resume it cannot see, a run it counts as not yet
        started, and the concurrent-run limit overrun."""
        newest = self.newest_instant
        return now if newest is None or newest <= now else newest

    def events(self) -> list[Event]:
        return self.log.read(0)

    def replay(self, events: list[Event]) -> None:
        """Start from recorded events (``serve --replay FILE``): append them to an empty
        log; a log that already begins with them (another worker replayed) is left alone.
        Every event is read as its kind first: a file holding one that is not of its
        kind's form appends nothing."""
        for event in events:
            typed(event)
        with self._lock:
            self._catch_up()
            present = self.log.read(0)[:len(events)]
            if present and [(e.kind, e.data) for e in present] != [
                    (e.kind, e.data) for e in events[:len(present)]]:
                raise ValueError("the state log already holds other events; replay into an "
                                 "empty one")
            for number, event in enumerate(events[len(present):], start=len(present) + 1):
                appended = self.log.append(self.applied, event.kind, event.data)
                if appended is None:
                    raise ValueError("another process wrote to the log during the replay")
                try:
                    self._apply(appended.seq, typed(appended))
                except Exception as exc:  # a file whose events do not follow one another
                    raise ValueError(f"event {number} ({event.kind}) does not apply after "
                                     f"the ones before it: {exc!r}") from exc

    def _catch_up(self) -> None:
        events: list[tuple[int, EventData]] = []
        for stored in reversed(self.log.read(self.applied)):
            event = typed(stored)
            events.append((stored.seq, event))
            if self.applied == 0 and is_full_reset(event):
                break  # nothing before the last full reset can matter: the fold starts here
        for seq, event in reversed(events):
            self._apply(seq, event)

    def _apply(self, seq: int, event: EventData) -> None:
        apply_event(self.world, seq, event)
        self.applied = seq
        self.newest_instant = next_instant(self.newest_instant, event)


def next_instant(newest: datetime | None, event: EventData) -> datetime | None:
    """The newest decision instant after ``event``: a clock set or a full reset starts
    time afresh (it may have gone back); an event with an instant may move it on."""
    if restarts_time(event):
        return None
    instant = event.instant()
    if instant is None:
        return newest
    return instant if newest is None or instant > newest else newest
