"""Events of a workspace's favorite voices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from ...events.typed import INSTANT, EventData
from ...state.store import World
from .base import Kind


@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceFavorited(EventData):
    KIND: ClassVar[str] = "voice.favorited"
    workspace: str
    voice: str
    at: datetime = field(metadata=INSTANT)


@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceUnfavorited(EventData):
    KIND: ClassVar[str] = "voice.unfavorited"
    workspace: str
    voice: str
    at: datetime = field(metadata=INSTANT)


def _favorited(world: World, event: VoiceFavorited) -> None:
    state = world.workspace(event.workspace)
    with state.writing():
        state.favorite_changes[event.voice] = event.at


def _unfavorited(world: World, event: VoiceUnfavorited) -> None:
    state = world.workspace(event.workspace)
    with state.writing():
        state.favorite_changes[event.voice] = None


KINDS: tuple[Kind[Any], ...] = (
    Kind(VoiceFavorited, _favorited),
    Kind(VoiceUnfavorited, _unfavorited),
)
