"""Workspace activity that events record (members invited, settings changed, keys made...).

Runs need no record here: the usage feed reads them from the run table, seeded ones too.
Any other event kind shows in ``/usage/activity`` once ``ACTIVITY_KINDS`` maps it: the
applier of every event calls ``activity_of`` and keeps what it returns on the workspace,
so adding a kind is one entry below. An event's data names its ``workspace``, its
instant ``at`` and, where a user acted, ``by`` (or ``user_id``); the entry's resource is
read from the keys the mapping names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ActivityKind:
    action: str  # UsageActivityAction: workflow_run, voice_generated, template_applied,
    #             member_invited, api_key_created, settings_changed
    kind: str  # the sub-kind shown with it
    resource_type: str
    resource_id_key: str | None = None  # the event data's key holding the resource's id
    resource_name_key: str | None = None


# event kind -> what the feed shows for it.
ACTIVITY_KINDS: dict[str, ActivityKind] = {
    "member.invited": ActivityKind("member_invited", "invite_created", "invite", "id", "email"),
    "workspace.settings_changed": ActivityKind("settings_changed", "workspace_settings",
                                               "workspace", "workspace", None),
}


@dataclass(frozen=True)
class ActivityRecord:
    seq: int  # the event's number in the log: the same in every process
    at: datetime
    user_id: str | None
    kind: ActivityKind
    resource_id: str | None
    resource_name: str | None
    metadata: dict[str, Any]


def activity_of(seq: int, event_kind: str, data: dict[str, Any]) -> ActivityRecord | None:
    """The feed entry an event makes, if its kind is mapped and it names when it happened."""
    mapped = ACTIVITY_KINDS.get(event_kind)
    if mapped is None or not isinstance(data.get("at"), str):
        return None
    actor = data.get("by") or data.get("user_id")
    return ActivityRecord(
        seq=seq, at=datetime.fromisoformat(data["at"]),
        user_id=actor if isinstance(actor, str) else None, kind=mapped,
        resource_id=_text(data, mapped.resource_id_key),
        resource_name=_text(data, mapped.resource_name_key),
        metadata={"event": event_kind},
    )


def _text(data: dict[str, Any], key: str | None) -> str | None:
    value = data.get(key) if key else None
    return value if isinstance(value, str) else None
