"""Every kind of event and how it changes the view: the only place records are built or
changed.

One module per resource holds each of its kinds of event as a frozen dataclass (the
fields the command decided, typed; ``world/events/typed.py`` converts it to and from the
payload the log stores) beside the one function that applies it, and lists both in its
``KINDS`` table. Services construct the dataclass; appliers receive it, never a payload.

Registration is explicit: ``REGISTRY`` merges the tables ``TABLES`` names when this
package is imported (at startup), and refuses a kind two tables claim or an event class
of these modules that no table lists (``StartupError``). ``typed`` is the one place a
stored event becomes its dataclass: an unknown kind, or a payload not of its kind's form,
is a ``ValueError`` naming the event.

Appliers are deterministic functions of (view, event): every process that applies the same
log builds the same records.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from typing import Any

from ....errors import StartupError
from ...events import Event
from ...events.typed import EventData, PayloadError
from ...state.activity import Activity, activity_record
from ...state.store import World
from . import (
    billing,
    control,
    dictionary,
    members,
    runs,
    templates,
    uploads,
    voices,
    workflows,
    workspaces,
)
from .base import Kind
from .control import ClockSet, FixturesLoaded, Reset

__all__ = ["REGISTRY", "TABLES", "Kind", "apply_event", "is_full_reset", "merge_kinds",
           "restarts_time", "typed"]

TABLES: dict[str, tuple[Kind[Any], ...]] = {
    module.__name__: module.KINDS
    for module in (control, workspaces, members, workflows, runs, billing, voices,
                   uploads, templates, dictionary)
}


def merge_kinds(tables: Mapping[str, Iterable[Kind[Any]]]) -> dict[str, Kind[Any]]:
    """One kind name -> entry map from per-module tables; a kind claimed twice stops
    startup."""
    merged: dict[str, Kind[Any]] = {}
    owner: dict[str, str] = {}
    for module_name, table in tables.items():
        for kind in table:
            name = kind.event.KIND
            if name in merged:
                raise StartupError(f"two appliers for event kind {name!r}: "
                                   f"{owner[name]} and {module_name}")
            merged[name], owner[name] = kind, module_name
    return merged


def check_complete(registry: Mapping[str, Kind[Any]], defined: Iterable[type[EventData]]
                   ) -> None:
    """Every event class defined is registered: a kind cannot be declared and forgotten."""
    registered = {kind.event for kind in registry.values()}
    missing = sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in defined
                     if cls not in registered)
    if missing:
        raise StartupError(f"event class(es) with no applier in any KINDS table: "
                           f"{', '.join(missing)}")


def _defined_here() -> list[type[EventData]]:
    """The event classes of this package's modules, listed in a table or not."""
    found = []
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        found += [value for value in vars(module).values()
                  if isinstance(value, type) and issubclass(value, EventData)
                  and value.__module__ == module.__name__]
    return found


REGISTRY = merge_kinds(TABLES)
check_complete(REGISTRY, _defined_here())
_BY_CLASS: dict[type[EventData], Kind[Any]] = {kind.event: kind for kind in REGISTRY.values()}


def typed(event: Event) -> EventData:
    """The stored event as its kind's dataclass."""
    kind = REGISTRY.get(event.kind)
    if kind is None:
        raise ValueError(f"event {event.seq}: unknown kind {event.kind!r}")
    try:
        found: EventData = kind.event.from_payload(event.data)
    except PayloadError as exc:
        raise PayloadError(f"event {event.seq}, {exc}") from exc
    return found


def apply_event(world: World, seq: int, event: EventData) -> None:
    """Apply the event at ``seq``: its applier, its feed entry, the clock's floor."""
    kind = _BY_CLASS[type(event)]
    kind.apply(world, event)
    if kind.feed is not None:
        _record_activity(world, seq, event.KIND, kind.feed(event))
    instant = event.instant()
    if instant is not None:  # the clock may never again show a time before this change
        world.clock.note_change(instant)


def _record_activity(world: World, seq: int, event_kind: str, activity: Activity) -> None:
    """Keep the usage feed's entry (``state/activity.py``) on a workspace that exists."""
    if not world.known_workspace(activity.workspace_id):
        return
    state = world.workspace(activity.workspace_id)
    with state.writing():
        state.activity.append(activity_record(seq, event_kind, activity))


def is_full_reset(event: EventData) -> bool:
    """Nothing before this event can matter to the state (a new process folds from it)."""
    if isinstance(event, FixturesLoaded):
        return event.replace  # a new startup file: a restart on it
    return isinstance(event, Reset) and event.workspace is None


def restarts_time(event: EventData) -> bool:
    """After this event time starts afresh: it may have gone back (a clock set, a full
    reset)."""
    return isinstance(event, ClockSet) or is_full_reset(event)
