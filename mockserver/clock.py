"""Injected time sources.

Nothing in the package reads the system clock directly: the app owns one ``ControllableClock``
and hands it to whatever needs "now", so tests can freeze or advance time and a run's
progress stays a pure function of the clock. (How fast *runs* progress is a property
of run plans, ``Settings.run_speed``, not of the clock.)
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class ControllableClock:
    """Real UTC time, optionally shifted by an offset, or frozen at an instant.

    It never shows an instant before the latest recorded change (``note_change``): a
    record must not read a time before its own creation, so going back is refused
    (``ValueError``; the control API answers 409) until a full reset forgets the changes
    (``forget_changes``).
    """

    def __init__(self, frozen_at: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._frozen_at = frozen_at
        self._offset = timedelta(0)
        self._floor: datetime | None = None

    def now(self) -> datetime:
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> datetime:
        if self._frozen_at is not None:
            return self._frozen_at
        return datetime.now(UTC) + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def freeze_at(self, instant: datetime) -> None:
        with self._lock:
            self._refuse_rewind(instant)
            self._frozen_at = instant

    @property
    def floor(self) -> datetime | None:
        """The latest recorded change: the earliest instant the clock may still show."""
        with self._lock:
            return self._floor

    def note_change(self, instant: datetime) -> None:
        # To the millisecond, as every time is shown: freezing at a "now" read back from
        # the clock must not be refused for a change a few microseconds later than it.
        instant = instant.replace(microsecond=instant.microsecond // 1000 * 1000)
        with self._lock:
            if self._floor is None or instant > self._floor:
                self._floor = instant

    def forget_changes(self) -> None:
        with self._lock:
            self._floor = None

    def _refuse_rewind(self, instant: datetime) -> None:
        if self._floor is not None and instant < self._floor:
            raise ValueError(rewind_message(instant, self._floor))

    def real_time_from_here(self) -> float:
        """The offset that runs the clock at real speed from its current instant on (never
        from an earlier one: an advanced or future-frozen clock keeps its lead; a clock
        behind real time catches up with it, which only moves it forward)."""
        with self._lock:
            ahead = (self._now_locked() - datetime.now(UTC)).total_seconds()
            return max(0.0, ahead)

    def advance(self, seconds: float) -> None:
        """Move time forward; a frozen clock stays frozen at the later instant."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += timedelta(seconds=seconds)
            else:
                self._offset += timedelta(seconds=seconds)

    def state(self) -> tuple[datetime | None, float]:
        """(frozen instant or None, offset in seconds from real time): what an event stores."""
        with self._lock:
            return self._frozen_at, self._offset.total_seconds()

    def set_state(self, frozen_at: datetime | None, offset_seconds: float) -> None:
        with self._lock:
            self._frozen_at = frozen_at
            self._offset = timedelta(seconds=offset_seconds)

    @staticmethod
    def shifted(instant: datetime, seconds: float) -> datetime:
        return instant + timedelta(seconds=seconds)

    def follow_real_time(self) -> None:
        """Back to plain real time (a full reset, which also forgets the changes)."""
        with self._lock:
            self._frozen_at = None
            self._offset = timedelta(0)


def rewind_message(instant: datetime, latest: datetime) -> str:
    return (f"The clock cannot go back to {instant.isoformat()}: the latest recorded change is "
            f"at {latest.isoformat()}, and no record may show a time before its creation")
