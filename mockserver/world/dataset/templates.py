"""The seeded template library: platform starters every workspace sees, plus each
workspace's own templates.

Graphs come from the same generator and catalog as the seeded workflows
(``generate.seeded_definition``), so every seeded template is valid and runnable once cloned.
Each template draws from its own stream (``rng(seed, "template", key)``) and is dated from
``Settings.dataset_epoch``. The first template of every workspace named in the *startup*
fixtures is published to the gallery, with a draft its owner has edited since: other
workspaces see (and clone) the published snapshot, the owner the draft.

Visibility (the SDK's rules): a workspace sees its own templates with their live draft;
anyone sees the gallery (platform starters and published workspace templates) with the
published snapshot; anything else is a 404, the same as a missing id.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from ...envelope import truncate_ms
from ...errors import NotFound
from ..rng import rng
from ..state.content_pins import SEEDED_TEMPLATES, pinned_template
from ..state.records import TemplateRecord, TemplateSnapshot
from ..state.store import WorkspaceState, World
from .generate import phrases, seeded_definition

TEMPLATE_ID_ALPHABET = string.digits + string.ascii_letters  # base62
TEMPLATE_ID_LENGTH = 8
CATEGORIES = ("media", "creative", "business", "education", "wellness")
SEEDED_PER_WORKSPACE = SEEDED_TEMPLATES

# (name, description, category) of the platform's starter templates.
_STARTERS = (
    ("Podcast intro and outro", "Branded open and close lines in one voice.", "media"),
    ("News bulletin", "Short headlines read in a steady newsroom voice.", "media"),
    ("Audiobook chapter", "Long-form narration with a validator on every take.", "creative"),
    ("Character dialogue", "Lines for game and animation characters.", "creative"),
    ("IVR phone menu", "Press-one prompts for a support line, in several languages.",
     "business"),
    ("Product announcement", "A launch message localised for every market.", "business"),
    ("Course lesson narration", "E-learning modules read slowly and clearly.", "education"),
    ("Language drill", "Phrases repeated for learners of a second language.", "education"),
    ("Guided meditation", "A calm voice, slow pacing, soft pauses.", "wellness"),
    ("Sleep story", "A quiet bedtime story for the end of the day.", "wellness"),
)


def template_id(r: random.Random) -> str:
    return "".join(r.choice(TEMPLATE_ID_ALPHABET) for _ in range(TEMPLATE_ID_LENGTH))


def platform_templates(world: World) -> dict[str, TemplateRecord]:
    """The starters, seeded on first use; they are read-only, so one copy serves all."""
    if world.platform_templates is None:
        records = [_starter(world, index, *fields) for index, fields in enumerate(_STARTERS)]
        world.platform_templates = {record.id: record for record in records}
    return world.platform_templates


def workspace_templates(world: World, state: WorkspaceState) -> dict[str, TemplateRecord]:
    """A workspace's own templates (seeded on first use, then changed only by appliers):
    as many seeded ones as its fixture says, then those the fixtures pin (a pin wins)."""
    with state.lock:
        if state.templates is None:
            published = state.info.id in world.base_fixtures.workspaces
            count = state.info.template_count
            records = [_own(world, state, index, publish=published and index == 0)
                       for index in range(SEEDED_PER_WORKSPACE if count is None else count)]
            records += [pinned_template(pin, world.settings.dataset_epoch)
                        for pin in world.fixtures.templates_for(state.info.id)]
            state.templates = {record.id: record for record in records}
        return state.templates


def _starter(world: World, index: int, name: str, description: str,
             category: str) -> TemplateRecord:
    r = rng(world.settings.seed, "template", f"platform:{index}")
    new_id = template_id(r)
    epoch = world.settings.dataset_epoch
    created = truncate_ms(epoch - timedelta(days=r.uniform(200, 400)))
    published = truncate_ms(created + timedelta(days=r.uniform(1, 150)))
    snapshot = TemplateSnapshot(name, description, category, seeded_definition(world, r),
                                published)
    return TemplateRecord(id=new_id, workspace_id=None, created_by=None, draft=snapshot,
                          published=snapshot, is_starter=True,
                          seeded_uses=r.randint(40, 4000), created_at=created)


def _own(world: World, state: WorkspaceState, index: int, *, publish: bool) -> TemplateRecord:
    seed, epoch = world.settings.seed, world.settings.dataset_epoch
    r = rng(seed, "template", f"{state.info.id}:{index}")
    new_id = template_id(r)
    words = phrases()
    members = world.fixtures.members(state.info.id)
    author = r.choice(members).id if members else None
    name = f"{r.choice(words['subjects'])}{r.choice(words['qualifiers'])} template"
    description = r.choice(words["descriptions"]) if r.random() < 0.7 else None
    category = r.choice(CATEGORIES) if r.random() < 0.8 else None
    created = truncate_ms(epoch - timedelta(days=r.uniform(10, 120)))
    saved = truncate_ms(min(epoch, created + timedelta(days=r.uniform(0, 9))))
    first = TemplateSnapshot(name, description, category, seeded_definition(world, r), saved)
    if not publish:
        return TemplateRecord(id=new_id, workspace_id=state.info.id, created_by=author,
                              draft=first, published=None, is_starter=False,
                              seeded_uses=r.randint(0, 12), created_at=created)
    # Published, then edited: the draft has a new description and a new graph.
    edited = truncate_ms(min(epoch, saved + timedelta(days=r.uniform(0.5, 5))))
    draft = TemplateSnapshot(name, f"{description or name} (draft: edits not yet published)",
                             category, seeded_definition(world, r), edited)
    return TemplateRecord(id=new_id, workspace_id=state.info.id, created_by=author,
                          draft=draft, published=first, is_starter=False,
                          seeded_uses=r.randint(5, 300), created_at=created)


# -- the library as it stands: seeded records plus every write applied ---------------


@dataclass(frozen=True)
class Seen:
    """A template with the snapshot one caller sees."""

    record: TemplateRecord
    snapshot: TemplateSnapshot
    source: str  # "draft" (the owner's live definition) or "published"


def _live(records: Iterable[TemplateRecord]) -> list[TemplateRecord]:
    return [r for r in records if r.deleted_at is None]


def own_templates(world: World, workspace_id: str) -> list[TemplateRecord]:
    return _live(workspace_templates(world, world.workspace(workspace_id)).values())


def gallery(world: World) -> list[TemplateRecord]:
    """Platform starters, then the published templates of the startup workspaces."""
    found = list(platform_templates(world).values())
    for workspace_id in world.base_fixtures.workspaces:
        if world.known_workspace(workspace_id):
            found += [r for r in own_templates(world, workspace_id) if r.published]
    return _live(found)


def find(world: World, template_id: str, workspace_ids: Iterable[str]) -> Seen:
    """The template as a caller acting in ``workspace_ids`` sees it, else a 404."""
    for workspace_id in workspace_ids:
        record = workspace_templates(world, world.workspace(workspace_id)).get(template_id)
        if record is not None and record.deleted_at is None:
            return Seen(record, record.draft, "draft")
    for record in gallery(world):
        if record.id == template_id and record.published is not None:
            return Seen(record, record.published, "published")
    raise NotFound("Template not found")


def uses_count(world: World, record: TemplateRecord) -> int:
    """Seeded uses plus every clone made since, counted in the workspace that cloned."""
    return record.seeded_uses + sum(state.template_clones.get(record.id, 0)
                                    for state in world.generated_states())
