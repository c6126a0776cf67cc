"""A workspace's own voices: recorded, uploaded, or imported from a provider account.

Platform voices come from the node catalog (``catalog_voices``); these are the rest of the
``VoiceOut`` space: owned by a member, with a preview sample, and (for imports) an
availability that can fail for a provider-side reason. Each workspace has a fixed dozen,
drawn from ``rng(seed, "workspace-voice", id)``. Accents and import states are taken in
turns from openapi.yaml's enums, offset by the workspace's place in the fixtures, so the
demo workspaces between them show every value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ...envelope import iso, truncate_ms
from ..catalog.catalog import Catalog
from ..rng import rng, stable_uuid
from ..state.fixtures import VoiceVocabulary

if TYPE_CHECKING:
    from ..state.store import World

__all__ = ["VoiceVocabulary", "WorkspaceVoice", "voices_of", "workspace_voices"]

JSON = dict[str, Any]
VOICES_PER_WORKSPACE = 12
_NAMES = ("Studio narrator", "Support desk", "Brand voice", "Trainer", "Announcer",
          "Storyteller", "Concierge", "Newsreader", "Guide", "Host", "Coach", "Presenter")
# What a voice of each source (the spec's enum, less the catalog's own) is, in a sentence.
_DESCRIPTIONS = {"recorded": "A recorded voice of this workspace.",
                 "uploaded": "An uploaded voice of this workspace.",
                 "provider_imported": "A voice this workspace imported from a provider."}


@dataclass(frozen=True)
class WorkspaceVoice:
    id: str
    body: JSON  # VoiceOut without the short-lived sample link
    sample_ms: int | None


def voices_of(world: World, workspace_id: str) -> list[WorkspaceVoice]:
    """The voices of one workspace of this world (none for a workspace without members)."""
    rules = world.fixture_rules
    order = list(world.fixtures.workspaces)
    place = order.index(workspace_id) if workspace_id in order else len(order)
    owners = sorted(user.id for user in world.fixtures.members(workspace_id))
    vocabulary = rules.voices if rules is not None else VoiceVocabulary()
    return list(_kept(world.settings.seed, workspace_id, place, tuple(owners), world.catalog,
                      world.settings.dataset_epoch, vocabulary))


@lru_cache(maxsize=256)
def _kept(seed: int, workspace_id: str, place: int, owners: tuple[str, ...], catalog: Catalog,
          epoch: datetime, vocabulary: VoiceVocabulary) -> tuple[WorkspaceVoice, ...]:
    """A workspace's voices, drawn once per inputs: every voice list, facet and favorite
    reads them (drawing twelve cost about 3 ms). The bodies are shared: readers copy them
    before changing anything."""
    return tuple(workspace_voices(seed, workspace_id, place, list(owners), catalog, epoch,
                                  vocabulary))


def workspace_voices(seed: int, workspace_id: str, place: int, owners: list[str],
                     catalog: Catalog, epoch: datetime,
                     vocabulary: VoiceVocabulary) -> list[WorkspaceVoice]:
    if not vocabulary.sources or not owners:
        return []
    return [_voice(seed, workspace_id, place, index, owners, catalog, epoch, vocabulary)
            for index in range(VOICES_PER_WORKSPACE)]


def _voice(seed: int, workspace_id: str, place: int, index: int, owners: list[str],
           catalog: Catalog, epoch: datetime, vocabulary: VoiceVocabulary) -> WorkspaceVoice:
    voice_id = stable_uuid(seed, "workspace-voice", f"{workspace_id}:{index}")
    r = rng(seed, "workspace-voice", voice_id)
    source = vocabulary.sources[index % len(vocabulary.sources)]
    imported = source == "provider_imported"
    turn = place * VOICES_PER_WORKSPACE + index
    provider = catalog.providers[turn % len(catalog.providers)]
    locales = r.sample(list(catalog.locales), r.randint(1, 2))
    created = truncate_ms(epoch - timedelta(days=r.uniform(5, 200)))
    state = _import_state(vocabulary, place, index) if imported else None
    usable = state is None or state == vocabulary.import_states[0]
    sample_ms = r.randrange(4000, 20000) if usable else None  # no preview of a broken import
    body = {
        "id": voice_id, "name": f"{_NAMES[index % len(_NAMES)]} {index + 1}",
        "provider": provider.provider,
        "provider_voice_id": f"{provider.provider}-{voice_id[:8]}",
        "description": _DESCRIPTIONS.get(source, "A voice of this workspace."),
        "is_active": usable,
        "gender": r.choice(("female", "male", "neutral")),
        "accent": vocabulary.accents[turn % len(vocabulary.accents)] if vocabulary.accents
        else None,
        "age": r.choice(("young", "middle_aged", "old")), "category": None,
        "color": f"#{r.randrange(0x1000000):06x}", "tags": [source, *locales],
        "uses_count": r.randrange(0, 400), "user_id": owners[index % len(owners)],
        "source": source,
        "availability": None if state is None else ("available" if usable else "unavailable"),
        "unavailable_reason": state,
        "duration_seconds": None if sample_ms is None else sample_ms / 1000,
        "sample_url": None, "language_sample_url": None, "language_sample_locale": None,
        "supported_languages": locales, "preview_locales": locales[:1],
        "supported_models": [m.model for m in provider.models],
        "model_capabilities": [{"model": m.model, "languages_known": not imported,
                                "supported_languages": [] if imported else locales}
                               for m in provider.models],
        "is_favorite": index % 5 == 0,
        "created_at": iso(created),
        "updated_at": iso(created + timedelta(hours=r.uniform(0, 240))),
    }
    return WorkspaceVoice(voice_id, body, sample_ms)


def _import_state(vocabulary: VoiceVocabulary, place: int, index: int) -> str | None:
    if not vocabulary.import_states:
        return None
    ordinal = index // max(1, len(vocabulary.sources))  # the n-th import of this workspace
    per_workspace = -(-VOICES_PER_WORKSPACE // max(1, len(vocabulary.sources)))
    return vocabulary.import_states[(place * per_workspace + ordinal)
                                    % len(vocabulary.import_states)]
