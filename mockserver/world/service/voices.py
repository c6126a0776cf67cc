"""Voice commands: a workspace's favorites (favorite, unfavorite).

Both are idempotent: a command that would change nothing proposes no event, so a second
favorite keeps the first one's time (and the voice's place in "recently favorited").
"""

from __future__ import annotations

from datetime import datetime

from ...errors import NotFound
from ..dataset.voice_population import find_voice, visible_voices
from .appliers.voices import VoiceFavorited, VoiceUnfavorited
from .engine import StateEngine


def _is_favorite(engine: StateEngine, workspace_id: str, voice_id: str) -> tuple[str, bool]:
    """(the voice's id, whether it is a favorite now); 404 for a voice the workspace lacks."""
    state = engine.world.workspace(workspace_id)
    with state.lock:
        voice = find_voice(visible_voices(engine.world, state), voice_id)
    if voice is None:
        raise NotFound("Voice not found")
    return voice.id, voice.favorited_at is not None


def favorite_voice(engine: StateEngine, workspace_id: str, voice_id: str,
                   now: datetime) -> None:
    def decide() -> VoiceFavorited | None:
        found, favorite = _is_favorite(engine, workspace_id, voice_id)
        if favorite:
            return None
        return VoiceFavorited(workspace=workspace_id, voice=found, at=engine.instant(now))

    engine.execute(decide)


def unfavorite_voice(engine: StateEngine, workspace_id: str, voice_id: str,
                     now: datetime) -> None:
    def decide() -> VoiceUnfavorited | None:
        found, favorite = _is_favorite(engine, workspace_id, voice_id)
        if not favorite:
            return None
        return VoiceUnfavorited(workspace=workspace_id, voice=found,
                                at=engine.instant(now))

    engine.execute(decide)
