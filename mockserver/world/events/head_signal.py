"""A shared-memory sign that a SQLite state file has new events, so the check every
request makes ("did another process write?") costs a memory read, not a SQLite query.

The sign is 8 bytes in a small file beside the state file (``<state>-head``), mapped into
every process that opens the log. After each append the writer stores a number no one
stored before (the new event's number and the writer's pid); a reader that finds the
same number as at its last real read knows nothing was appended since, because every
append is committed before its number is stored. Two writers racing to store leave one
of their numbers, which differs from the old one either way.

A writer that died between its commit and its store would leave the sign unchanged, so
a reader also makes the real read when its last one is older than ``max_age`` seconds.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from .shared_word import SharedWord


def signal_path(state_file: Path) -> Path:
    return state_file.with_name(f"{state_file.name}-head")


class HeadSignal:
    def __init__(self, state_file: Path, max_age: float = 0.05) -> None:
        self.max_age = max_age
        self._word = SharedWord(signal_path(state_file))
        # (sign seen just before the last real read, what that read returned, when)
        self._last: tuple[bytes, int, float] | None = None

    def _sign(self) -> bytes:
        return self._word.raw()

    def head(self, read_head: Callable[[], int]) -> int:
        """The log's head: ``read_head()`` only if the sign moved or the last real read
        is stale."""
        sign, last = self._sign(), self._last
        if last is not None and last[0] == sign and time.monotonic() - last[2] < self.max_age:
            return last[1]
        checked = time.monotonic()
        head = read_head()  # after reading the sign: it includes every append signed before
        self._last = (sign, head, checked)
        return head

    def appended(self, seq: int) -> None:
        """Call after an append is committed."""
        self._word.write((seq << 22) | (os.getpid() & 0x3FFFFF))
