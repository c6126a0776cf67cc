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
    """Real UTC time, optionally shifted by an offset, or frozen at an instant."""

    def __init__(self, frozen_at: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._frozen_at = frozen_at
        self._offset = timedelta(0)

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
            self._frozen_at = instant

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
        with self._lock:
            self._frozen_at = None
            self._offset = timedelta(0)
