"""Writing the journal behind the answers: a request hands over what it saw, and the work
of turning that into a stored entry (masking secrets, decoding and encoding bodies, the
store's write) happens only when someone may read it.

Why: that work was a third to a half of an answered request's CPU time (0.18-0.36 ms of
0.39-0.57 ms, measured in process), while the journal is read rarely and keeps only the
newest ``journal_size`` entries: under load most entries are overwritten unread. Held
entries are written

- when a journal or coverage read in any process asks for them (the store carries the
  question between processes; the reader waits, bounded, for every live writer);
- after ``idle`` seconds without a new entry, so a quiet server's journal is on disk;
- when more than ``max_bytes`` of bodies are held, and at a clean exit.

A process killed outright (SIGKILL) loses the entries it still held; the events (the
mock's state) are never held back.

Entries keep the order they were recorded in: each takes the store's number when it is
recorded (``HeldRequestStore.next_number``), and writes happen one at a time, oldest first.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections import Counter, deque
from typing import Any, Protocol

from .. import process
from .store import HeldRequestStore
from .timing import IDLE_WRITE, WRITER_BEAT, WRITER_POLL

log = logging.getLogger("onepin_mock.journal")


class PendingEntry(Protocol):
    """One answered request as the journal will store it, computed when written."""

    def held_buffers(self) -> tuple[bytes, ...]:
        """The bodies it holds on to (counted once however many entries share one)."""
        ...

    def entry(self) -> dict[str, Any]: ...

    def coverage_keys(self) -> list[str]: ...


_WRITE_SLICE = 50  # entries built and written at a time

# The write-behind journals of this process, by the store they write to (two apps in one
# process may share a state file): a read in one writes what the others hold too.
_PEERS: dict[str, weakref.WeakSet[WriteBehind]] = {}


class WriteBehind(process.PerProcess):
    def __init__(self, store: HeldRequestStore, journal_size: int, *, max_bytes: int = 16 << 20,
                 idle: float = IDLE_WRITE, poll: float = WRITER_POLL,
                 beat: float = WRITER_BEAT) -> None:
        self._store = store
        self._keep = max(journal_size, 0)
        self.max_bytes, self.idle, self.poll, self.beat = max_bytes, idle, poll, beat
        self._start_afresh()
        process.register(self)  # a forked child starts afresh; a clean exit writes
        for gone in [name for name, peers in _PEERS.items() if not peers]:
            del _PEERS[gone]  # every journal on that store was collected
        _PEERS.setdefault(store.shared_name, weakref.WeakSet()).add(self)

    def write_with_peers(self) -> None:
        """Write what this journal holds, and what every other one of this process
        writing to the same store holds."""
        for behind in list(_PEERS.get(self._store.shared_name, ())):
            behind.write()

    def after_fork_in_child(self) -> None:
        # At once, while the child has one thread: its first requests, on several threads,
        # then find their journal already this process's own.
        self._start_afresh()

    def at_exit(self) -> None:
        if self._watched:  # something was recorded in this process
            self.write()

    def _start_afresh(self) -> None:
        """A new (forked) process holds nothing: the parent writes what it held, and a
        lock one of its threads held would never be released here."""
        self._queue: deque[tuple[int | None, PendingEntry]] = deque()
        self._lock = threading.Lock()  # the queue
        self._write_lock = threading.Lock()  # one write at a time, so they land in order
        # Coverage of entries dropped unwritten (the ring would have overwritten them).
        self._dropped: Counter[str] = Counter()
        # The bodies held, by identity: a page kept encoded (a settled run's) is shared by
        # every answer that repeats it, and costs its bytes once.
        self._buffers: dict[int, tuple[bytes, int]] = {}
        self._bytes = 0
        self._last_add = time.monotonic()
        self._watched = False

    def _watch_from_now(self) -> None:
        """From the first entry on: a writer thread, where other processes may ask for
        the entries (and a last write at exit, ``at_exit``)."""
        self._watched = True
        own = weakref.ref(self)
        seen = self._store.flush_asked()
        if seen is not None:
            # Every question asked so far needs nothing of entries not yet recorded:
            # say so (this also makes the process known to readers) before the first.
            self._store.record_batch([], {}, self._store.next_number())
            threading.Thread(target=_watch, args=(own, seen), name="journal-writer",
                             daemon=True).start()

    def add(self, pending: PendingEntry) -> None:
        if not self._watched:
            with self._lock:
                if not self._watched:
                    self._watch_from_now()
        with self._lock:
            self._queue.append((self._store.next_number(), pending))
            self._hold(pending.held_buffers())
            self._last_add = time.monotonic()
            while len(self._queue) > self._keep:
                _, dropped = self._queue.popleft()
                self._let_go(dropped.held_buffers())
                self._dropped.update(dropped.coverage_keys())
            full = self._bytes > self.max_bytes
        if full:
            self.write()

    def write(self) -> None:
        """Store everything held (and this process's heartbeat) in one write."""
        with self._write_lock:
            # Taken before the queue: every entry recorded before a reader's question,
            # which came before this, is in what follows.
            flushed_to = self._store.next_number()
            with self._lock:
                taken, counts = list(self._queue), self._dropped
                self._queue.clear()
                self._dropped, self._buffers, self._bytes = Counter(), {}, 0
            # In slices: an entry (its masked, decoded bodies) weighs more than what was
            # held, and a thousand at once raised a worker's peak memory by 40 MB.
            for start in range(0, max(len(taken), 1), _WRITE_SLICE):
                part = taken[start:start + _WRITE_SLICE]
                entries = [(seq, pending.entry()) for seq, pending in part]
                for _, pending in part:
                    counts.update(pending.coverage_keys())
                last = start + _WRITE_SLICE >= len(taken)
                self._store.record_batch(entries, counts if last else {},
                                         flushed_to if last else None)

    def _hold(self, buffers: tuple[bytes, ...]) -> None:
        for buffer in buffers:
            held = self._buffers.get(id(buffer))
            if held is None:
                self._bytes += len(buffer)
            self._buffers[id(buffer)] = (buffer, 1 if held is None else held[1] + 1)

    def _let_go(self, buffers: tuple[bytes, ...]) -> None:
        for buffer in buffers:
            _, count = self._buffers[id(buffer)]
            if count == 1:
                del self._buffers[id(buffer)]
                self._bytes -= len(buffer)
            else:
                self._buffers[id(buffer)] = (buffer, count - 1)

    def beat_only(self) -> None:
        """Tell readers this process is alive, writing nothing it holds."""
        with self._write_lock:
            self._store.record_batch([], {}, None)

    def due(self, now: float) -> bool:
        """Held entries that have waited ``idle`` seconds without a newer one."""
        return bool(self._queue) and now - self._last_add >= self.idle


def _watch(own: weakref.ref[WriteBehind], seen: int | None) -> None:
    """Write when another process asks, when idle, and every ``beat`` seconds (a writer
    that stops beating is taken for dead, and readers stop waiting for it)."""
    last_write = time.monotonic()
    while (behind := own()) is not None:
        poll = behind.poll
        wanted, now = behind._store.flush_asked(), time.monotonic()
        try:
            if wanted != seen or behind.due(now):
                seen, last_write = wanted, now
                behind.write()
            elif now - last_write >= behind.beat:  # alive, and not writing entries early
                last_write = now
                behind.beat_only()
        except Exception:  # a failed write must not end the watch
            log.exception("could not write the request journal")
        del behind  # let the journal go when its app does
        time.sleep(poll)
