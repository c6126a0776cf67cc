"""This process's lifecycle: one fork hook and one exit path over a registry of the
resources that belong to one process.

A forked child (a served worker, a respawned one) inherits its parent's memory: open
connections, locks a parent's thread held, entries the parent still holds. Each resource
that cares registers here and is told, in one place and in registration order, before a
fork, after it (in the parent, and in the child while it still has one thread), and once
when the process leaves (newest first). So no class checks ``os.getpid()`` on its own.

The exit path runs once per process, whichever way it leaves cleanly: ``atexit`` for the
main process, and multiprocessing's exit functions for its children (a served worker
leaves through ``os._exit``, which skips ``atexit``). A process killed outright runs
nothing.
"""

from __future__ import annotations

import atexit
import logging
import multiprocessing.util
import os
import weakref

log = logging.getLogger("onepin_mock.process")


class PerProcess:
    """A resource that belongs to the process that made it. ``register`` it and override
    what applies; each hook must be quick and must not raise."""

    def before_fork(self) -> None:
        """In the parent, just before a fork (e.g. wait for work that holds locks)."""

    def after_fork_in_parent(self) -> None:
        """In the parent, just after a fork."""

    def after_fork_in_child(self) -> None:
        """In the child, while it has one thread: start afresh (connections, locks,
        anything held that is the parent's to write)."""

    def at_exit(self) -> None:
        """Once, when this process leaves cleanly."""


# In registration order. Plain dict operations (atomic under the GIL), no lock: a lock a
# thread held at a fork would stay held in the child, and a collected resource's callback
# may run on any thread at any time.
_resources: dict[int, weakref.ref[PerProcess]] = {}
_exited_in = 0  # the pid whose exit path already ran


def register(resource: PerProcess) -> None:
    """Tell ``resource`` about forks and the exit from now on, while it lives."""
    key = id(resource)

    def gone(_: weakref.ref[PerProcess]) -> None:
        if _resources.get(key) is ref:
            _resources.pop(key, None)

    ref = weakref.ref(resource, gone)
    _resources[key] = ref


def _live() -> list[PerProcess]:
    return [resource for ref in list(_resources.values()) if (resource := ref()) is not None]


def _before_fork() -> None:
    for resource in _live():
        resource.before_fork()


def _after_fork_in_parent() -> None:
    for resource in _live():
        resource.after_fork_in_parent()


def _after_fork_in_child() -> None:
    for resource in _live():
        resource.after_fork_in_child()


def _exit() -> None:
    """Every resource's ``at_exit``, newest first, once per process."""
    global _exited_in
    if _exited_in == os.getpid():
        return
    _exited_in = os.getpid()
    for resource in reversed(_live()):
        try:
            resource.at_exit()
        except Exception:  # one failure must not keep the others from leaving cleanly
            log.exception("could not close %r at exit", resource)


class _Arming:
    """Arms multiprocessing's exit functions in this process (a forked multiprocessing
    child starts with none: it clears its parent's)."""

    def arm(self) -> None:
        multiprocessing.util.Finalize(None, _exit, exitpriority=10)


_ARMING = _Arming()
_ARMING.arm()
multiprocessing.util.register_after_fork(_ARMING, _Arming.arm)
atexit.register(_exit)
os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                    after_in_child=_after_fork_in_child)
