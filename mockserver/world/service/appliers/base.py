"""What every applier module shares: the registry entry of one kind of event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from ...events.typed import EventData
from ...state.activity import Activity
from ...state.store import World

E = TypeVar("E", bound=EventData)


@dataclass(frozen=True, slots=True)
class Kind(Generic[E]):
    """One kind of event: its dataclass (``KIND`` names it in the log), the one function
    that applies it, and, for a kind the usage feed shows, what it shows."""

    event: type[E]
    apply: Callable[[World, E], None]
    feed: Callable[[E], Activity] | None = None
