"""``StampedCache``: the one way the mock keeps a value it worked out.

Every kept value carries the *stamp* it was made at: what its answer depends on, beyond
its key (a version, the events applied, the fold's inputs and the instant it settled).
A read states the stamp it would make now and gets a value only if the kept one still
answers it (``fits``: equal, unless the cache says otherwise). Every cache is bounded
(least recently used entries go first, by count and, where values are weighed, by size),
and one whose stamps only move forward (``forward_only``) refuses a value made at an older
stamp than the newest it has seen (a slow request must not put back what an event made
stale) and forgets everything older when a newer stamp arrives.

ARCHITECTURE.md has the table of every cache: key, stamp, bound, who invalidates.
"""

from __future__ import annotations

import operator
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
S = TypeVar("S")
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Kept(Generic[S, V]):
    """One entry: the value and the stamp it was made at."""

    stamp: S
    value: V


class StampedCache(Generic[K, S, V]):
    def __init__(self, name: str, bound: int, *,
                 fits: Callable[[S, S], bool] = operator.eq,
                 forward_only: bool = False,
                 weigh: Callable[[V], int] | None = None, max_weight: int = 0) -> None:
        """``bound``: entries kept at most. ``fits(kept, asked)``: whether a value made at
        ``kept`` answers a read at ``asked``. ``forward_only``: stamps are ordered and only
        move forward. ``weigh``/``max_weight``: values larger in sum are not kept."""
        self.name = name
        self.bound = bound
        self.max_weight = max_weight
        self._fits = fits
        self._forward_only = forward_only
        self._weigh = weigh
        self._entries: OrderedDict[K, Kept[S, V]] = OrderedDict()
        self._weight = 0
        self._newest: Any = None  # the newest stamp seen (forward_only)
        self._lock = threading.Lock()

    def get(self, key: K, stamp: S) -> V | None:
        """The value kept for ``key`` if it answers a read at ``stamp``; else None."""
        with self._lock:
            kept = self._entries.get(key)
            if kept is None or not self._fits(kept.stamp, stamp):
                return None
            self._entries.move_to_end(key)
            return kept.value

    def put(self, key: K, stamp: S, value: V) -> None:
        """Keep ``value`` as made at ``stamp`` (refused if that stamp is already old)."""
        with self._lock:
            if self._forward_only and self._newest is not None:
                if stamp < self._newest:
                    return
                if stamp != self._newest:
                    self._drop_all()
            if self._forward_only:
                self._newest = stamp
            weight = self._weigh(value) if self._weigh is not None else 0
            if self._weigh is not None and weight > self.max_weight:
                return
            self._drop(key)
            self._entries[key] = Kept(stamp, value)
            self._weight += weight
            while len(self._entries) > self.bound or (
                    self._weigh is not None and self._weight > self.max_weight):
                self._drop(next(iter(self._entries)))

    def get_or_make(self, key: K, stamp: S, make: Callable[[], V]) -> V:
        value = self.get(key, stamp)
        if value is None:
            value = make()
            self.put(key, stamp, value)
        return value

    def forget(self, key: K) -> None:
        with self._lock:
            self._drop(key)

    def clear(self) -> None:
        with self._lock:
            self._drop_all()

    def _drop(self, key: K) -> None:
        kept = self._entries.pop(key, None)
        if kept is not None and self._weigh is not None:
            self._weight -= self._weigh(kept.value)

    def _drop_all(self) -> None:
        self._entries.clear()
        self._weight = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries
