"""Templates and dictionary entries pinned by a fixture document (a state export writes
every one of a workspace's): what a pin may hold, and the record it stands for.

A pin is kept as its fields (immutable, shared by every reset); each build of the
workspace makes fresh records from it, so events change those and never the pin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ...envelope import truncate_ms
from .records import DictionaryRecord, TemplateRecord, TemplateSnapshot

# How many own templates and dictionary entries a workspace is seeded with.
SEEDED_TEMPLATES = 5
SEEDED_ENTRIES = 12
# Keys of a pin: the first two are the mock's own, the rest fields of TemplateOut or
# DictionaryOut. ``uses_count`` is the count the template starts from (clones add to it).
TEMPLATE_KEYS = ("workspace", "published", "id", "name", "description", "category",
                 "definition", "uses_count", "created_by", "created_at", "updated_at")
SNAPSHOT_KEYS = ("name", "description", "category", "definition", "published_at")
ENTRY_KEYS = ("workspace", "upload_id", "id", "word", "method", "language", "description",
              "pronunciation", "ipa", "created_by", "created_at", "updated_at")


@dataclass(frozen=True)
class ContentPin:
    workspace_id: str
    fields: dict[str, Any]


def pinned_template(pin: ContentPin, epoch: datetime) -> TemplateRecord:
    fields = pin.fields
    created = _instant(fields.get("created_at"), epoch)
    draft = _snapshot(fields, _instant(fields.get("updated_at"), created))
    published = fields.get("published")
    return TemplateRecord(
        id=str(fields["id"]), workspace_id=pin.workspace_id,
        created_by=_text(fields.get("created_by")), draft=draft,
        published=(None if published is None
                   else _snapshot(published, _instant(published.get("published_at"), created))),
        is_starter=False, seeded_uses=int(fields.get("uses_count") or 0), created_at=created)


def pinned_entry(pin: ContentPin, epoch: datetime) -> DictionaryRecord:
    fields = pin.fields
    created = _instant(fields.get("created_at"), epoch)
    return DictionaryRecord(
        id=str(fields["id"]), workspace_id=pin.workspace_id, word=str(fields["word"]),
        method=str(fields["method"]), language=str(fields["language"]),
        description=_text(fields.get("description")),
        pronunciation=_text(fields.get("pronunciation")), ipa=_text(fields.get("ipa")),
        upload_id=_text(fields.get("upload_id")), created_by=_text(fields.get("created_by")),
        created_at=created, updated_at=_instant(fields.get("updated_at"), created))


def _snapshot(fields: dict[str, Any], at: datetime) -> TemplateSnapshot:
    return TemplateSnapshot(str(fields["name"]), _text(fields.get("description")),
                            _text(fields.get("category")), _plain(fields["definition"]), at)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _instant(value: Any, default: datetime) -> datetime:
    if value is None:
        return default
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return truncate_ms(instant if instant.tzinfo else instant.replace(tzinfo=UTC))


def _plain(value: Any) -> Any:
    """A copy made of plain dicts and lists (a loaded document's mappings remember their
    lines; a record must not share them with the pin)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
