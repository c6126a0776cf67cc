"""How each event changes the view: the only place records are built or changed.

Appliers are deterministic functions of (view, event data): every process that applies
the same log builds the same records. Times travel as ISO text, records as plain JSON.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from ...errors import FixtureError
from ..dataset.dictionary import entries_of
from ..dataset.templates import workspace_templates
from ..events import Event
from ..runs.lifecycle import Control
from ..runs.record import new_run, plan_run
from ..state.activity import activity_of
from ..state.fixtures import Fixtures, parse_fixtures
from ..state.plans import PLANS
from ..state.records import (
    DictionaryRecord,
    PendingUpload,
    TemplateRecord,
    TemplateSnapshot,
    UploadRecord,
    workflow_record,
)
from ..state.roster import Invite, Member
from ..state.store import WorkspaceState, World
from .workspace_records import WORKSPACE_CREATED, runtime_workspace

FULL_RESET = "reset"
FIXTURES_LOADED = "fixtures.loaded"
BILLING_SET = "billing.set"
PREFERENCES_SET = "user.preferences_set"
CLOCK_SET = "clock.set"
Applier = Callable[[World, dict[str, Any]], None]


def is_full_reset(event: Event) -> bool:
    """Nothing before this event can matter to the state (a new process folds from it)."""
    if event.kind == FIXTURES_LOADED:
        return bool(event.data.get("replace"))  # a new startup file: a restart on it
    return event.kind == FULL_RESET and event.data.get("workspace") is None


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _reset(world: World, data: dict[str, Any]) -> None:
    world.reset(data.get("workspace"))


def _clock(world: World, data: dict[str, Any]) -> None:
    world.clock.set_state(when(data["frozen_at"]) if data.get("frozen_at") else None,
                          float(data.get("offset_seconds", 0.0)))


def _faults(world: World, data: dict[str, Any]) -> None:
    world.fault_changes = {**world.fault_changes, **data["changes"]}


def _fixtures(world: World, data: dict[str, Any]) -> None:
    if data.get("replace"):  # the startup file changed (serve --watch): start over on it
        world.base_fixtures = startup_fixtures(world, data["text"], data["source"])
        world.reset()
        return
    world.add_fixtures(world.parse_fixtures(data["text"], data["source"]))


def startup_fixtures(world: World, text: str, source: str) -> Fixtures:
    """A whole fixture document on its own, as a startup file: at least one workspace."""
    assert world.fixture_rules is not None, "create_app sets the fixture rules"
    fixtures = parse_fixtures(text, source, world.fixture_rules)
    if not fixtures.workspaces:
        raise FixtureError([f"{source}: at least one workspace is required"])
    return fixtures


def _workspace(world: World, data: dict[str, Any]) -> None:
    world.created_workspaces = max(world.created_workspaces, int(data["number"]))
    fixtures, _reply = runtime_workspace(world, int(data["number"]), data["options"])
    world.add_fixtures(fixtures)


def _workspace_updated(world: World, data: dict[str, Any]) -> None:
    profile = world.roster(data["workspace"]).profile
    for name, value in data["changes"].items():
        setattr(profile, name, value)
    profile.updated_at = when(data["at"])


def _workspace_deleted(world: World, data: dict[str, Any]) -> None:
    # Its workflows, runs, uploads, keys and memberships go with it: every look-up of the
    # workspace (auth included) reads the roster's mark, and its records are dropped.
    world.roster(data["workspace"]).profile.deleted_at = when(data["at"])
    world.forget_records(data["workspace"])


def _invite_created(world: World, data: dict[str, Any]) -> None:
    roster = world.roster(data["workspace"])
    invite = Invite(data["id"], data["email"], data["role"], data["by"], when(data["at"]))
    roster.invites = {**roster.invites, invite.id: invite}  # replaced: see Roster
    roster.created_invites += 1


def _invite_changed(state: str) -> Applier:
    def apply(world: World, data: dict[str, Any]) -> None:
        world.roster(data["workspace"]).invites[data["id"]].state = state
    return apply


def _invite_role_changed(world: World, data: dict[str, Any]) -> None:
    world.roster(data["workspace"]).invites[data["id"]].role = data["role"]


def _invite_accepted(world: World, data: dict[str, Any]) -> None:
    roster, at = world.roster(data["workspace"]), when(data["at"])
    invite = roster.invites[data["id"]]
    invite.state = "accepted"
    member = Member(invite.id, data["user_id"], invite.role, at, at)
    roster.members = {**roster.members, member.user_id: member}


def _member_role_changed(world: World, data: dict[str, Any]) -> None:
    world.roster(data["workspace"]).members[data["user_id"]].role = data["role"]


def _member_removed(world: World, data: dict[str, Any]) -> None:
    roster = world.roster(data["workspace"])
    roster.members = {u: m for u, m in roster.members.items() if u != data["user_id"]}


def _state(world: World, data: dict[str, Any]) -> WorkspaceState:
    return world.workspace(data["workspace"])


def _workflow_created(world: World, data: dict[str, Any]) -> None:
    state = _state(world, data)
    with state.writing():
        state.workflows[data["id"]] = workflow_record(
            id=data["id"], workspace_id=state.info.id, user_id=data["user_id"],
            name=data["name"], name_source=data["name_source"],
            description=data.get("description"), definition=data["definition"],
            created_at=when(data["at"]), updated_at=when(data["at"]),
        )
        state.created_workflows += 1
        state.workflows_changed()
        if data.get("template"):  # cloned from a template: one more use, counted here
            clones = state.template_clones
            clones[data["template"]] = clones.get(data["template"], 0) + 1


def _workflow_changed(world: World, data: dict[str, Any]) -> None:
    state = _state(world, data)
    with state.writing():
        # Seeded runs and uploads are built from the workflow as it was generated.
        state.runs.build(data["id"])
        state.uploads_of(data["id"])
        record = state.workflows[data["id"]]
        for name, value in data["changes"].items():
            setattr(record, name, value)
        record.updated_at = when(data["at"])
        state.workflows_changed()


def _workflow_deleted(world: World, data: dict[str, Any]) -> None:
    state, at = _state(world, data), when(data["at"])
    with state.writing():
        state.uploads_of(data["id"])
        record = state.workflows[data["id"]]
        record.deleted_at = at
        # Deleting a workflow stops its unfinished runs, freeing their concurrency slots.
        for run in state.runs_of(record.id):
            if not run.timeline(at).terminal:
                run.controls.append(Control("cancel", at))
                state.ledger.bill(run.workflow_id, run.id)
                state.runs.changed(run.workflow_id)
        state.workflows_changed()


def _run_started(world: World, data: dict[str, Any]) -> None:
    state = _state(world, data)
    with state.writing():
        run = new_run(world.settings.seed, world.catalog, workflow_id=data["workflow"],
                      workspace_id=state.info.id, run_number=int(data["number"]),
                      created_at=when(data["at"]), triggered_by=dict(data["triggered_by"]),
                      snapshot=data["snapshot"], speed=float(data["speed"]))
        state.runs[run.id] = run
        state.ledger.bill(run.workflow_id, run.id)


def _run_controlled(world: World, data: dict[str, Any]) -> None:
    state = _state(world, data)
    with state.writing():
        # Events from before runs were built lazily name no workflow: find the run by id.
        run = (state.runs.find(data["workflow"], data["run"]) if data.get("workflow")
               else None) or state.runs[data["run"]]
        if data.get("replan_without_failure"):
            run.plan = plan_run(world.settings.seed, world.catalog, run.id, run.snapshot,
                                fail=False)
        control = data["control"]
        run.controls.append(Control(control["kind"], when(control["at"]),
                                    reason=control.get("reason", "user"),
                                    immediate=bool(control.get("immediate", False))))
        # A seeded run a control brings back to life settles now: it bills the account.
        state.ledger.bill(run.workflow_id, run.id)
        state.runs.changed(run.workflow_id)


def _billing_set(world: World, data: dict[str, Any]) -> None:
    """The control API set a workspace's plan and/or balance (its opening, from ``at``)."""
    state = _state(world, data)
    with state.writing():
        changes: dict[str, Any] = {}
        if data.get("plan") is not None:
            changes["plan"] = data["plan"]
            changes["concurrent_run_limit"] = PLANS[data["plan"]].concurrent_runs
        if data.get("concurrent_run_limit") is not None:
            changes["concurrent_run_limit"] = int(data["concurrent_run_limit"])
        if data.get("balance") is not None:
            changes["credit_balance"] = int(data["balance"])
            at = when(data["at"])
            state.ledger.open_at(at, {run_id for workflow_id, run_id in state.ledger.runs
                                      if _settled_by(state, workflow_id, run_id, at)})
        state.info = replace(state.info, **changes)


def _settled_by(state: WorkspaceState, workflow_id: str, run_id: str, at: datetime) -> bool:
    run = state.runs.find(workflow_id, run_id)
    return run is None or run.timeline(at).terminal


def _preferences_set(world: World, data: dict[str, Any]) -> None:
    world.set_notification_preferences(data["user"], data["changes"])


def _voice_favorited(world: World, data: dict[str, Any]) -> None:
    state = _state(world, data)
    with state.writing():
        state.favorite_changes[data["voice"]] = when(data["at"])


def _voice_unfavorited(world: World, data: dict[str, Any]) -> None:
    state = _state(world, data)
    with state.writing():
        state.favorite_changes[data["voice"]] = None


def _upload_created(world: World, data: dict[str, Any]) -> None:
    state = _state(world, data)
    with state.writing():
        at = when(data["at"])
        state.pending_uploads[data["id"]] = PendingUpload(
            id=data["id"], workspace_id=state.info.id, user_id=data["user_id"],
            filename=data["filename"], category=data["category"],
            content_type=data["content_type"], format=data["format"], created_at=at,
            updated_at=at)
        state.created_uploads += 1


def _upload_stored(world: World, data: dict[str, Any]) -> None:
    state = _state(world, data)
    with state.writing():
        pending = state.pending_uploads[data["id"]]
        pending.content = base64.b64decode(data["content"])
        pending.updated_at = when(data["at"])


def _upload_confirmed(world: World, data: dict[str, Any]) -> None:
    state = _state(world, data)
    with state.writing():
        pending = state.pending_uploads.pop(data["id"])
        state.uploads[pending.id] = UploadRecord(
            id=pending.id, workspace_id=state.info.id, workflow_id=data["workflow"],
            user_id=pending.user_id, filename=pending.filename, category=pending.category,
            content_type=pending.content_type, format=pending.format,
            size_bytes=int(data["size_bytes"]), char_count=data["char_count"],
            line_count=data["line_count"], detected_language=data["detected_language"],
            created_at=pending.created_at, updated_at=when(data["at"]),
            lines=tuple(data["lines"]), content=pending.content)
        state.storage_used += int(data["size_bytes"])


def _upload_deleted(world: World, data: dict[str, Any]) -> None:
    state = _state(world, data)
    with state.writing():
        if state.pending_uploads.pop(data["id"], None) is not None:
            return
        removed = state.uploads.remove(data["id"])
        if removed is not None and removed.content is not None:  # seeded files never counted
            state.storage_used -= removed.size_bytes


def _template_created(world: World, data: dict[str, Any]) -> None:
    state, at = _state(world, data), when(data["at"])
    with state.writing():
        templates = workspace_templates(world, state)
        draft = TemplateSnapshot(data["name"], data.get("description"), data.get("category"),
                                 data["definition"], at)
        templates[data["id"]] = TemplateRecord(
            id=data["id"], workspace_id=state.info.id, created_by=data["user_id"], draft=draft,
            published=None, is_starter=False, seeded_uses=0, created_at=at)
        state.created_templates += 1


def _template_changed(world: World, data: dict[str, Any]) -> None:
    state = _state(world, data)
    with state.writing():
        record = workspace_templates(world, state)[data["id"]]
        draft = record.draft
        for name, value in data["changes"].items():
            setattr(draft, name, value)
        draft.at = when(data["at"])


def _template_deleted(world: World, data: dict[str, Any]) -> None:
    state = _state(world, data)
    with state.writing():
        workspace_templates(world, state)[data["id"]].deleted_at = when(data["at"])


def _template_favorited(world: World, data: dict[str, Any]) -> None:
    favorites = world.template_favorites.setdefault(data["user"], {})
    favorites[data["id"]] = None


def _template_unfavorited(world: World, data: dict[str, Any]) -> None:
    world.template_favorites.get(data["user"], {}).pop(data["id"], None)


def _entry_created(world: World, data: dict[str, Any]) -> None:
    state, at = _state(world, data), when(data["at"])
    with state.writing():
        entries_of(world, state)[data["id"]] = DictionaryRecord(
            id=data["id"], workspace_id=state.info.id, word=data["word"],
            method=data["method"], language=data["language"],
            description=data.get("description"), pronunciation=data.get("pronunciation"),
            ipa=data.get("ipa"), upload_id=data.get("upload_id"), created_by=data["user_id"],
            created_at=at, updated_at=at)
        state.created_entries += 1


def _entry_changed(world: World, data: dict[str, Any]) -> None:
    state = _state(world, data)
    with state.writing():
        entry = entries_of(world, state)[data["id"]]
        for name, value in data["changes"].items():
            setattr(entry, name, value)
        entry.updated_at = when(data["at"])


def _entry_deleted(world: World, data: dict[str, Any]) -> None:
    state = _state(world, data)
    with state.writing():
        entries_of(world, state)[data["id"]].deleted_at = when(data["at"])


APPLIERS: dict[str, Applier] = {
    FULL_RESET: _reset,
    CLOCK_SET: _clock,
    "faults.set": _faults,
    FIXTURES_LOADED: _fixtures,
    WORKSPACE_CREATED: _workspace,
    "workspace.settings_changed": _workspace_updated,
    "workspace.deleted": _workspace_deleted,
    "member.invited": _invite_created,
    "invite.revoked": _invite_changed("revoked"),
    "invite.role_changed": _invite_role_changed,
    "invite.accepted": _invite_accepted,
    "member.role_changed": _member_role_changed,
    "member.removed": _member_removed,
    "workflow.created": _workflow_created,
    "workflow.changed": _workflow_changed,
    "workflow.deleted": _workflow_deleted,
    "run.started": _run_started,
    "run.controlled": _run_controlled,
    BILLING_SET: _billing_set,
    PREFERENCES_SET: _preferences_set,
    "voice.favorited": _voice_favorited,
    "voice.unfavorited": _voice_unfavorited,
    "upload.created": _upload_created,
    "upload.stored": _upload_stored,
    "upload.confirmed": _upload_confirmed,
    "upload.deleted": _upload_deleted,
    "template.created": _template_created,
    "template.changed": _template_changed,
    "template.deleted": _template_deleted,
    "template.favorited": _template_favorited,
    "template.unfavorited": _template_unfavorited,
    "dictionary.created": _entry_created,
    "dictionary.changed": _entry_changed,
    "dictionary.deleted": _entry_deleted,
}


def apply_event(world: World, event: Event) -> None:
    applier = APPLIERS.get(event.kind)
    if applier is None:
        raise ValueError(f"event {event.seq}: unknown kind {event.kind!r}")
    applier(world, event.data)
    _record_activity(world, event)
    instant = event_instant(event.data)
    if instant is not None:  # the clock may never again show a time before this change
        world.clock.note_change(instant)


def _record_activity(world: World, event: Event) -> None:
    """Keep the usage feed's entry for an event of a mapped kind (state/activity.py)."""
    record = activity_of(event.seq, event.kind, event.data)
    workspace_id = event.data.get("workspace")
    if record is None or not isinstance(workspace_id, str) \
            or not world.known_workspace(workspace_id):
        return
    state = world.workspace(workspace_id)
    with state.writing():
        state.activity.append(record)


def event_instant(data: dict[str, Any]) -> datetime | None:
    """When a record-changing event happened: its ``at``, its run control's, or the created
    workspace's (its options carry the instant the command decided)."""
    control, options = data.get("control"), data.get("options")
    at = (data.get("at") or (control.get("at") if isinstance(control, dict) else None)
          or (options.get("at") if isinstance(options, dict) else None))
    return when(at) if isinstance(at, str) else None
