"""Snapshots: the materialised state at an event number, so a restart applies only the
events after the latest one.

A snapshot is written by a background thread of each serving process at a quiet moment
(no new event for ``QUIET_S``) once ``Settings.snapshot_every`` events were applied since
the latest one, and read once at startup. It is a pickle of the per-workspace records and
the few world-wide values events change; what every process builds for itself (the
catalog, settings, clock, seeder, locks) is referred to by name and bound again on load.
Seeded records that are not built yet stay unbuilt (their recipes are kept, not their
results) and runs keep how to plan them, not their plans, so a snapshot is small and
quick to load.

On load a snapshot is used only if everything it stands on is the same: this package's
code and data, the settings that shape state and the startup fixtures (``fingerprint``),
the event at its number in the log, and an HMAC of its body under the mock's secret
(a state store someone else can write to could otherwise run code in the mock). Anything
else means a full replay, as without a snapshot.
"""

from __future__ import annotations

import copyreg
import hashlib
import hmac
import io
import json
import logging
import pickle
import threading
import time
import weakref
from dataclasses import fields
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from ... import process
from ..events import Event, Snapshot, encode
from ..state.store import World
from .engine import StateEngine

log = logging.getLogger("onepin_mock.snapshots")

FORMAT = 1
QUIET_S = 1.0  # no new event for this long: a quiet moment
POLL_S = 0.5
# Under steady writes there is no quiet moment: write anyway this many times past the mark.
OVERDUE = 5
# Settings that change how a process serves, not what the state is.
_SERVING_ONLY = frozenset({
    "host", "port", "threads", "workers", "access_log", "state_url", "replay_path",
    "journal_size", "snapshot_every", "strict_responses", "admin_token", "admin_enabled",
    "insecure_admin", "cors_origins", "cors_allow_null_origin", "max_delay_ms",
    "max_body_bytes", "max_export_workspaces", "watch"})
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


@lru_cache(maxsize=1)
def code_digest() -> str:
    """Every file of the installed package: a snapshot pickles its classes as they are."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def fingerprint(world: World) -> str:
    """What a snapshot's state stands on besides the events (see the module docstring)."""
    settings = {f.name: repr(getattr(world.settings, f.name)) for f in fields(world.settings)
                if f.name not in _SERVING_ONLY}
    text = json.dumps([FORMAT, code_digest(), settings, repr(world.startup_fixtures)])
    return hashlib.sha256(text.encode()).hexdigest()


def _event_digest(event: Event) -> str:
    return hashlib.sha256(encode(event.kind, event.data).encode()).hexdigest()


def _mac(world: World, body: bytes) -> str:
    return hmac.new(world.settings.jwt_secret.encode(), body, hashlib.sha256).hexdigest()


def _shared(world: World) -> dict[str, Any]:
    """Objects every process makes for itself, referred to by these names."""
    return {"world": world, "catalog": world.catalog, "settings": world.settings,
            "clock": world.clock, "seeder": world.seeder, "links": world.links,
            "rules": world.fixture_rules}


# What the snapshot being loaded binds names and locks to. Loads are one at a time.
_loading: dict[str, Any] = {}
_load_lock = threading.Lock()


def _bound(name: str) -> Any:
    return _loading["shared"][name]


def _lock(key: int, reentrant: bool) -> Any:
    """The same new lock for every reference to one old lock (a workspace and its tables)."""
    locks: dict[int, Any] = _loading["locks"]
    if key not in locks:
        locks[key] = threading.RLock() if reentrant else threading.Lock()
    return locks[key]


def _dispatch(world: World) -> dict[type, Any]:
    """Reducers by exact type, which the C pickler looks up without calling back into
    Python for every object (a persistent_id hook made pickling 20x slower)."""
    table: dict[type, Any] = dict(copyreg.dispatch_table)
    for name, obj in _shared(world).items():
        if obj is not None:
            table[type(obj)] = partial(_by_name, name)
    for lock_type in _LOCK_TYPES:
        table[lock_type] = _by_lock
    return table


def _by_name(name: str, _obj: Any) -> tuple[Any, ...]:
    return (_bound, (name,))


def _by_lock(lock: Any) -> tuple[Any, ...]:
    return (_lock, (id(lock), isinstance(lock, _LOCK_TYPES[1])))


def _dumps(world: World, state: Any) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _dispatch(world)
    pickler.dump(state)
    return buffer.getvalue()


def _loads(world: World, body: bytes) -> Any:
    with _load_lock:
        _loading.update(shared=_shared(world), locks={})
        try:
            return pickle.loads(body)
        finally:
            _loading.clear()


def take(engine: StateEngine, stands_on: str) -> Snapshot | None:
    """The state now (None before the first event). Holds the engine's, the world's and
    every workspace's lock while pickling, so no write or lazy build lands half seen."""
    world = engine.world
    with engine.locked(), world.locked_states() as (states, frozen):
        if engine.applied == 0:
            return None
        event = engine.log.event_at(engine.applied)
        if event is None:
            return None
        # Each workspace on its own, so a restart loads one only when it is used; one
        # not used since the last restart is kept as the bytes it was loaded from.
        kept = {**frozen, **{key: _dumps(world, value) for key, value in states.items()}}
        state = {"states": kept, "world": world.kept_values(),
                 "clock": (*world.clock.state(), world.clock.floor),
                 "newest_instant": engine.newest_instant}
        body = _dumps(world, state)
        seq = engine.applied
    meta = json.dumps({"format": FORMAT, "fingerprint": stands_on,
                       "event": _event_digest(event), "mac": _mac(world, body)})
    return Snapshot(seq, meta, body)


def _usable(engine: StateEngine, snapshot: Snapshot, stands_on: str) -> str | None:
    """Why the snapshot cannot be used here (None: it can)."""
    try:
        meta = json.loads(snapshot.meta)
    except ValueError:
        return "its description is not JSON"
    if meta.get("fingerprint") != stands_on:
        return "it was taken by other code, settings or startup fixtures"
    if not hmac.compare_digest(str(meta.get("mac")), _mac(engine.world, snapshot.body)):
        return "its body is not the one written (or not under this --secret)"
    event = engine.log.event_at(snapshot.seq)
    if event is None or _event_digest(event) != meta.get("event"):
        return f"the log holds other events than it was taken from (event {snapshot.seq})"
    return None


def restore(engine: StateEngine, snapshot: Snapshot, stands_on: str) -> bool:
    """Start from ``snapshot`` if it is usable (before any event was applied);
    ``stands_on``: the ``fingerprint`` of this process's world, taken before any event."""
    world = engine.world
    assert engine.applied == 0, "a snapshot is loaded into a fresh engine"
    problem = _usable(engine, snapshot, stands_on)
    if problem is not None:
        log.warning("snapshot at event %d not used: %s; replaying the log", snapshot.seq,
                    problem)
        return False
    try:
        state = _loads(world, snapshot.body)
    except Exception as exc:  # a body we wrote ourselves: a failure here is a bug, not fatal
        log.warning("snapshot at event %d not loaded (%r); replaying the log", snapshot.seq,
                    exc)
        return False
    with engine.locked():
        world.restore_states(state["states"], partial(_loads, world), state["world"])
        frozen_at, offset, floor = state["clock"]
        world.clock.set_state(frozen_at, offset)
        if floor is not None:  # the latest recorded change: the clock may not go back past it
            world.clock.note_change(floor)
        engine.restored(snapshot.seq, state["newest_instant"])
    return True


class SnapshotKeeper(process.PerProcess):
    """Loads the latest snapshot at startup, and writes one at quiet moments."""

    def __init__(self, engine: StateEngine, every: int) -> None:
        self.engine = engine
        self.every = every
        self.busy = threading.Lock()  # held while a snapshot is taken
        # Worked out now, before any event: records loaded later may be changed in place.
        self.stands_on = fingerprint(engine.world) if every > 0 else ""
        self._writing = False  # this process's writer thread was started
        self._saved = 0
        self.restored_from = 0  # the event number of the snapshot loaded at startup (0: none)
        process.register(self)

    def before_fork(self) -> None:
        # A child must not inherit the engine's or a workspace's lock held mid-pickle.
        self.busy.acquire()

    def after_fork_in_parent(self) -> None:
        self.busy.release()

    def after_fork_in_child(self) -> None:
        self.busy = threading.Lock()
        self._writing = False  # threads do not follow a fork

    def restore_latest(self) -> bool:
        if self.every <= 0:
            return False
        snapshot = self.engine.log.snapshot_latest()
        if snapshot is None or not restore(self.engine, snapshot, self.stands_on):
            return False
        self._saved = self.restored_from = snapshot.seq
        return True

    def ensure_running(self) -> None:
        """Start this process's writer thread (again after a fork: threads do not follow)."""
        if self.every > 0 and not self._writing:
            self._writing = True
            # The thread holds the keeper weakly: a mock nobody uses any more (a test's)
            # is collected, and its thread ends.
            threading.Thread(target=_watch, args=(weakref.ref(self),),
                             name="onepin-mock-snapshots", daemon=True).start()

    def save_now(self) -> Snapshot | None:
        with self.busy:
            snapshot = take(self.engine, self.stands_on)
        if snapshot is not None:
            self.engine.log.snapshot_save(snapshot)
            self._saved = max(self._saved, snapshot.seq)
        return snapshot

    def look(self, seen: int, quiet_since: float) -> tuple[int, float]:
        """One look: write a snapshot if it is due and the moment is quiet; returns the
        event number seen and since when it has not moved."""
        applied = self.engine.applied
        if applied != seen:
            seen, quiet_since = applied, time.monotonic()
        behind = applied - self._saved
        quiet = time.monotonic() - quiet_since >= QUIET_S
        if behind < self.every or not (quiet or behind >= OVERDUE * self.every):
            return seen, quiet_since
        try:
            # Another process (a worker, an instance) may have written one meanwhile.
            self._saved = max(self._saved, self.engine.log.snapshot_seq())
            if applied - self._saved >= self.every:
                self.save_now()
        except Exception:  # never let a snapshot take the server down: replay still works
            log.exception("writing a snapshot failed")
            self._saved = applied  # not again before another `every` events
        return seen, quiet_since


def _watch(keeper_ref: weakref.ref[SnapshotKeeper]) -> None:
    seen, quiet_since = -1, time.monotonic()
    while True:
        time.sleep(POLL_S)
        keeper = keeper_ref()
        if keeper is None:
            return
        seen, quiet_since = keeper.look(seen, quiet_since)
        del keeper
