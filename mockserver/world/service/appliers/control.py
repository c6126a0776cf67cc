"""Events of the control API and the process: reset, clock, faults, fixtures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from ....errors import FixtureError
from ...events.typed import INSTANT, OPTIONAL, EventData
from ...state.fixtures import Fixtures, parse_fixtures
from ...state.store import World
from .base import Kind


@dataclass(frozen=True, slots=True, kw_only=True)
class Reset(EventData):
    """Forget changes: one workspace's, or (``None``) all of them."""

    KIND: ClassVar[str] = "reset"
    workspace: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClockSet(EventData):
    KIND: ClassVar[str] = "clock.set"
    frozen_at: datetime | None = field(metadata=INSTANT)
    offset_seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class FaultsSet(EventData):
    KIND: ClassVar[str] = "faults.set"
    changes: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class FixturesLoaded(EventData):
    """A fixture document added, or with ``replace`` the startup file changed (serve
    --watch): a restart on it."""

    KIND: ClassVar[str] = "fixtures.loaded"
    text: str
    source: str
    replace: bool = field(default=False, metadata=OPTIONAL)


def _reset(world: World, event: Reset) -> None:
    world.reset(event.workspace)


def _clock(world: World, event: ClockSet) -> None:
    world.clock.set_state(event.frozen_at, float(event.offset_seconds))


def _faults(world: World, event: FaultsSet) -> None:
    world.fault_changes = {**world.fault_changes, **event.changes}


def _fixtures(world: World, event: FixturesLoaded) -> None:
    if event.replace:  # the startup file changed (serve --watch): start over on it
        world.base_fixtures = startup_fixtures(world, event.text, event.source)
        world.reset()
        return
    world.add_fixtures(world.parse_fixtures(event.text, event.source))


def startup_fixtures(world: World, text: str, source: str) -> Fixtures:
    """A whole fixture document on its own, as a startup file: at least one workspace."""
    assert world.fixture_rules is not None, "create_app sets the fixture rules"
    fixtures = parse_fixtures(text, source, world.fixture_rules)
    if not fixtures.workspaces:
        raise FixtureError([f"{source}: at least one workspace is required"])
    return fixtures


KINDS: tuple[Kind[Any], ...] = (
    Kind(Reset, _reset),
    Kind(ClockSet, _clock),
    Kind(FaultsSet, _faults),
    Kind(FixturesLoaded, _fixtures),
)
