"""Workspace activity that events record (members invited, settings changed, keys made...).

Runs need no record here: the usage feed reads them from the run table, seeded ones too.
Any other kind of event shows in ``/usage/activity`` once its registry entry
(``world/service/appliers``) says what it shows: an ``Activity`` naming the workspace, the
instant, who acted, one of the ``ActivityKind``s below and the resource. ``apply_event``
keeps it on the workspace as an ``ActivityRecord`` numbered by the event.
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


INVITE_CREATED = ActivityKind("member_invited", "invite_created", "invite")
WORKSPACE_SETTINGS = ActivityKind("settings_changed", "workspace_settings", "workspace")


@dataclass(frozen=True)
class Activity:
    """What one event shows in its workspace's feed."""

    workspace_id: str
    at: datetime
    user_id: str | None
    kind: ActivityKind
    resource_id: str | None
    resource_name: str | None = None


@dataclass(frozen=True)
class ActivityRecord:
    seq: int  # the event's number in the log: the same in every process
    at: datetime
    user_id: str | None
    kind: ActivityKind
    resource_id: str | None
    resource_name: str | None
    metadata: dict[str, Any]


def activity_record(seq: int, event_kind: str, activity: Activity) -> ActivityRecord:
    """The feed entry of the event at ``seq``, of kind ``event_kind``."""
    return ActivityRecord(seq=seq, at=activity.at, user_id=activity.user_id,
                          kind=activity.kind, resource_id=activity.resource_id,
                          resource_name=activity.resource_name,
                          metadata={"event": event_kind})
