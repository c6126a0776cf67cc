"""The seeded dataset of one workspace: workflows, their runs and uploads.

Every record draws from its own random stream (``rng(seed, kind, key)``) and is
dated relative to ``Settings.dataset_epoch``, so the same seed and fixtures give
byte-identical records on every machine and restart, whatever the wall clock says.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from importlib import resources
from itertools import accumulate
from typing import Any

import yaml

from ...envelope import truncate_ms
from ..rng import rng, stable_uuid
from ..runs.billing import seeded_billing_gap
from ..runs.lifecycle import Control
from ..runs.record import RunRecord, new_run, plan_run, run_id_for
from ..state.fixtures import RunPin, UploadPin, User, WorkflowPin, Workspace
from ..state.records import UploadRecord, WorkflowRecord, workflow_record
from ..state.roster import Roster
from ..state.run_table import SeededRuns
from ..state.store import WorkspaceState, World
from . import graphs
from .people import seeded_roster
from .retired_voices import retired_voice_history
from .upload_files import upload_body

PLACEHOLDER_NAME = "Untitled workflow"
_TERMINAL_MIX = (("completed", 0.72), ("failed", 0.16), ("cancelled", 0.12))
# The first workflows of every workspace end in these statuses, so each status exists
# (the three paused ones: one manual pause and two automatic ones, see _pause_reason).
_PINNED_LATEST = ("running", "paused", "pending", "failed", "cancelled", "completed",
                  "paused", "paused", "completed", "cancelled")
# This one validates with a threshold no take reaches and no retries: its runs complete
# without delivering any audio, so the download's "no audio" 404 is reachable.
_STRICT_INDEX = 8
# These latest runs were cancelled before spending anything: one still in the queue, one
# in its first moment (no step finished), so both zero-spend analysis readings exist.
_EARLY_CANCELS = {4: "queued", 9: "starting"}
_PAUSE_ERRORS = {
    "provider_outage": "The voice provider is not responding; the run resumes when it recovers.",
    "provider_rate_limited": "The voice provider is rate limiting requests; retry shortly.",
    "provider_billing": "The voice provider needs a billing fix on its side; resume afterwards.",
    "node_timeout": "A node took longer than its time limit; resume to retry it.",
}
_AUTOMATIC_REASONS = tuple(_PAUSE_ERRORS)


def empty_definition() -> dict[str, Any]:
    return {"graph": {"nodes": [], "edges": []}, "execution": {}}


@lru_cache(maxsize=1)
def phrases() -> dict[str, list[str]]:
    text = resources.files("mockserver").joinpath("data", "phrases.yaml").read_text("utf-8")
    # libyaml's loader when PyYAML has it: the pure-Python one took ~40 ms, paid by the
    # first list request of a process.
    data: dict[str, list[str]] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader",
                                                                yaml.SafeLoader))
    return data


class SeededDataset:
    """The ``Seeder`` create_app gives the World: records generated from the seed, then pins."""

    def generate(self, world: World, workspace: Workspace) -> WorkspaceState:
        return generate_workspace(world, workspace)

    def apply_pins(self, world: World, state: WorkspaceState, workflows: list[WorkflowPin],
                   uploads: list[UploadPin]) -> None:
        apply_pins(world, state, workflows, uploads)

    def roster(self, world: World, workspace: Workspace) -> Roster:
        return seeded_roster(world, workspace)


def generate_workspace(world: World, workspace: Workspace) -> WorkspaceState:
    """A workspace's workflows and uploads, with each workflow's runs registered as
    ``SeededRuns``: decided from the seed now, built only when one of them is read."""
    state = WorkspaceState(workspace)
    members = world.fixtures.members(workspace.id)
    starters = _run_starters(world, workspace.id)
    active_budget = workspace.concurrent_run_limit - 1  # leave room for the user's own runs
    for index in range(workspace.workflow_count):
        workflow = _workflow(world, workspace, members, f"{workspace.id}:{index}",
                             placeholder=index % 11 == 10, strict=index == _STRICT_INDEX)
        state.workflows[workflow.id] = workflow
        # Nobody could have started a run in a workspace without members.
        seeded = (_seeded_runs(world, workspace, starters, workflow, index, active_budget)
                  if members else _no_runs(world))
        active_budget -= seeded.statuses.get("running", 0) + seeded.statuses.get("pending", 0)
        state.runs.add_seeded(workflow.id, seeded)
        state.uploads.add_seeded(workflow.id, partial(_uploads, world, workflow))
    return state


def _run_starters(world: World, workspace_id: str) -> list[User]:
    """Members whose role may start runs (openapi.yaml's x-onepin-min-role of start_run)."""
    minimum = world.fixture_rules.start_run_role if world.fixture_rules else None
    return world.fixtures.members_with_role(workspace_id, minimum)


def _workflow(world: World, workspace: Workspace, members: list[User], key: str, *,
              placeholder: bool = False, strict: bool = False) -> WorkflowRecord:
    """A generated workflow; its definition is drawn when first read (same stream, same
    graph), so listing a large workspace never builds graphs it does not show."""
    r = rng(world.settings.seed, "workflow", key)
    fields = _workflow_fields(world, workspace, members, key, r, placeholder)
    # A partial, not a closure: a snapshot of the state keeps it (world/service/snapshots.py).
    build = partial(_built_definition, world, workspace, members, key, placeholder, strict)
    return workflow_record(definition=build, **fields)


def _built_definition(world: World, workspace: Workspace, members: list[User], key: str,
                      placeholder: bool, strict: bool) -> dict[str, Any]:
    if placeholder:
        return empty_definition()
    replay = rng(world.settings.seed, "workflow", key)
    _workflow_fields(world, workspace, members, key, replay, placeholder)
    return seeded_definition(world, replay, strict)


def _workflow_fields(world: World, workspace: Workspace, members: list[User], key: str,
                     r: random.Random, placeholder: bool) -> dict[str, Any]:
    """Every field but the definition, drawn first from the workflow's stream."""
    seed = world.settings.seed
    words = phrases()
    created = truncate_ms(world.settings.dataset_epoch - timedelta(days=r.uniform(20, 160)))
    updated = truncate_ms(created + timedelta(hours=r.uniform(0, 24 * 15)))
    name = PLACEHOLDER_NAME if placeholder else r.choice(words["subjects"]) + r.choice(
        words["qualifiers"])
    return dict(
        id=stable_uuid(seed, "workflow", key), workspace_id=workspace.id,
        user_id=r.choice(members).id if members else stable_uuid(seed, "user", workspace.id),
        name=name, name_source="placeholder" if placeholder else r.choice(("user", "generated")),
        description=None if placeholder or r.random() < 0.3 else r.choice(words["descriptions"]),
        created_at=created, updated_at=min(updated, world.settings.dataset_epoch),
    )


def seeded_definition(world: World, r: random.Random, strict: bool = False) -> dict[str, Any]:
    """A runnable graph drawn from ``r``: seeded workflows and seeded templates share it."""
    lines = r.sample(phrases()["lines"], r.randint(3, 9))
    locales = list(world.catalog.locales)
    source = r.choice(("en-us", "en-us", "en-gb"))
    targets = [source] + (r.sample([loc for loc in locales if loc != source], r.randint(1, 3))
                          if r.random() < 0.45 else [])
    return graphs.make_definition(r, world.catalog, script_lines=lines, source_language=source,
                                  target_locales=targets, strict_validation=strict)


def _run_count(r: random.Random, index: int, has_graph: bool, fixed: int | None) -> int:
    if not has_graph:
        return 0
    drawn = r.randint(2, 7) if index < len(_PINNED_LATEST) else (
        0 if r.random() < 0.2 else r.randint(1, 9))
    return drawn if fixed is None else fixed


# (run number, created_at, status, moment) of one seeded run
Scheduled = tuple[int, datetime, str, "str | None"]


def _schedule(world: World, workspace: Workspace, workflow: WorkflowRecord, index: int,
              active_budget: int, has_graph: bool, *, all_dates: bool = True
              ) -> list[Scheduled]:
    """The workflow's seeded runs as the seed decides them, without building any.

    ``all_dates=False`` dates only the latest run (what a list row needs), since dating a
    million runs up front would cost seconds.
    """
    r = rng(world.settings.seed, "workflow-runs", workflow.id)
    count = _run_count(r, index, has_graph, workspace.runs_per_workflow)
    span = (world.settings.dataset_epoch - workflow.updated_at).total_seconds()
    scheduled: list[Scheduled] = []
    for number in range(1, count + 1):
        status = _status_for(r, index, number == count, active_budget)
        created = workflow.updated_at
        if all_dates or number == count:
            created = truncate_ms(workflow.updated_at
                                  + timedelta(seconds=span * number / (count + 1)))
        moment = _pause_reason(world, workspace, index) if status == "paused" else None
        if status == "cancelled" and number == count:
            moment = _EARLY_CANCELS.get(index)
        scheduled.append((number, created, status, moment))
    return scheduled


def _seeded_runs(world: World, workspace: Workspace, starters: list[User],
                 workflow: WorkflowRecord, index: int, active_budget: int) -> SeededRuns:
    has_graph = index % 11 != 10  # placeholders have an empty graph and never ran
    if index < len(_PINNED_LATEST):
        scheduled = _schedule(world, workspace, workflow, index, active_budget, has_graph,
                              all_dates=False)
        statuses: dict[str, int] = {}
        for _number, _created, status, _moment in scheduled:
            statuses[status] = statuses.get(status, 0) + 1
        latest: tuple[int, datetime, str] | None = scheduled[-1][:3] if scheduled else None
    else:
        statuses, latest = _terminal_mix(world, workspace, workflow, has_graph)

    build = partial(_scheduled_runs, world, workspace, starters, workflow, index, active_budget,
                    has_graph)
    return SeededRuns(count=latest[0] if latest else 0, statuses=statuses,
                      latest_at=latest[1] if latest else None,
                      latest_status=latest[2] if latest else None,
                      speed=world.settings.run_speed, build=build)


def _scheduled_runs(world: World, workspace: Workspace, starters: list[User],
                    workflow: WorkflowRecord, index: int, active_budget: int,
                    has_graph: bool) -> list[RunRecord]:
    scheduled = _schedule(world, workspace, workflow, index, active_budget, has_graph)
    return _build_runs(world, starters, workflow, scheduled)


def _no_runs(world: World) -> SeededRuns:
    return SeededRuns(count=0, statuses={}, latest_at=None, latest_status=None,
                      speed=world.settings.run_speed, build=list)


def _build_runs(world: World, starters: list[User], workflow: WorkflowRecord,
                scheduled: list[Scheduled]) -> list[RunRecord]:
    # A workflow whose voice was retired since its first run (never its only, latest run, so
    # the list row, which reads only the latest, is the same either way).
    history = retired_voice_history(world.settings.seed, world.catalog, workflow.id,
                                    workflow.definition, workflow.created_at,
                                    workflow.updated_at) if len(scheduled) > 1 else None
    runs = []
    for number, created, status, moment in scheduled:
        snapshot = None
        if history is not None and number == 1:
            snapshot, created = history
        runs.append(_run(world, starters, workflow, number, created, status, moment, snapshot))
    return runs


def _terminal_mix(world: World, workspace: Workspace, workflow: WorkflowRecord,
                  has_graph: bool) -> tuple[dict[str, int], tuple[int, datetime, str] | None]:
    """``_schedule``'s statuses past the pinned workflows, drawn the same way (one roll per
    run from the same stream) but only counted: a million runs cost well under a second."""
    r = rng(world.settings.seed, "workflow-runs", workflow.id)
    count = _run_count(r, len(_PINNED_LATEST), has_graph, workspace.runs_per_workflow)
    bounds = list(accumulate(share for _status, share in _TERMINAL_MIX))
    # The place of each roll in the cumulative mix; past its end (float rounding) is the
    # fallback, "completed", as in _status_for.
    places = list(map(partial(bisect_right, bounds), [r.random() for _ in range(count)]))
    tallies = Counter(0 if place == len(bounds) else place for place in places)
    statuses = {status: tallies[i] for i, (status, _share) in enumerate(_TERMINAL_MIX)
                if tallies[i]}
    if not count:
        return statuses, None
    span = (world.settings.dataset_epoch - workflow.updated_at).total_seconds()
    created = truncate_ms(workflow.updated_at + timedelta(seconds=span * count / (count + 1)))
    last = places[-1] if places[-1] < len(bounds) else 0
    return statuses, (count, created, _TERMINAL_MIX[last][0])


def _pause_reason(world: World, workspace: Workspace, index: int) -> str:
    """The first paused workflow was paused by hand; the others automatically.

    Workspaces take turns through the automatic reasons (by their place in the fixtures),
    so the two demo workspaces between them show every reason.
    """
    paused = [i for i, status in enumerate(_PINNED_LATEST) if status == "paused"]
    ordinal = paused.index(index) if index in paused else 0
    if ordinal == 0:
        return "user"
    order = list(world.fixtures.workspaces)
    place = order.index(workspace.id) if workspace.id in order else len(order)
    automatic = len(paused) - 1
    return _AUTOMATIC_REASONS[(place * automatic + ordinal - 1) % len(_AUTOMATIC_REASONS)]


def _status_for(r: random.Random, index: int, latest: bool, active_budget: int) -> str:
    if latest and index < len(_PINNED_LATEST):
        pinned = _PINNED_LATEST[index]
        if pinned in ("running", "pending") and active_budget <= 0:
            return "completed"
        return pinned
    roll, total = r.random(), 0.0
    for status, share in _TERMINAL_MIX:
        total += share
        if roll < total:
            return status
    return "completed"


def _run(world: World, starters: list[User], workflow: WorkflowRecord, number: int,
         created: datetime, status: str, moment: str | None = None,
         snapshot: dict[str, Any] | None = None) -> RunRecord:
    seed = world.settings.seed
    run_id = run_id_for(seed, workflow.id, number)
    r = rng(seed, "run", run_id)
    user = r.choice(starters) if starters else None
    run = new_run(
        seed, world.catalog, workflow_id=workflow.id, workspace_id=workflow.workspace_id,
        run_number=number, created_at=created,
        triggered_by={"user_id": user.id if user else workflow.user_id,
                      "user_name": user.display_name if user else "Unknown user"},
        snapshot=workflow.definition if snapshot is None else snapshot,
        speed=world.settings.run_speed, fail=status == "failed",
    )
    _shape_status(run, r, status, moment)
    run.billing_gap = seeded_billing_gap(seed, run_id, status)
    if status == "completed" and r.random() < 0.15:
        run.public_share_id = stable_uuid(seed, "share", run_id).replace("-", "")[:12]
        run.shared_at = created + timedelta(hours=r.uniform(1, 48))
    return run


def _shape_status(run: RunRecord, r: random.Random, status: str,
                  moment: str | None = None) -> None:
    """Give a seeded run the controls or stall that make it end up in ``status``.

    ``moment`` is a paused run's pause reason, or when a cancelled run was cancelled
    (``queued``, ``starting``; mid-run otherwise).
    """
    plan = run.plan
    mid = plan.queue_ms + int(plan.end_ms * r.uniform(0.2, 0.8))
    if status == "paused":
        # A pause in the last wave would drain into the end and the run would complete;
        # keeping it before that wave makes "paused" certain without folding the plan, so
        # a list row can say so before the run is built.
        last_wave = max((step.start_ms for step in plan.steps), default=0)
        mid = min(mid, plan.queue_ms + last_wave - 1) if last_wave > 0 else mid
    early = {"queued": plan.queue_ms // 2, "starting": plan.queue_ms + 1}
    # Run time; the run covers it in run_ms / speed of wall time (--run-speed).
    run_ms = early.get(moment or "", mid) if status == "cancelled" else mid
    at = run.created_at + timedelta(milliseconds=run_ms / run.speed)
    if status == "cancelled":
        run.controls.append(Control("cancel", at))
    elif status == "paused":
        reason = moment or r.choice(("user", *_AUTOMATIC_REASONS))
        run.controls.append(Control("pause", at, reason))
    elif status == "running":
        run.stall_ms = int(plan.end_ms * r.uniform(0.3, 0.7))
    elif status == "pending":
        run.stall_pending = True


def pause_error(reason: str | None) -> str | None:
    """Customer-facing text for an automatic pause; None for a manual one."""
    return _PAUSE_ERRORS.get(reason or "user")


def _uploads(world: World, workflow: WorkflowRecord) -> list[UploadRecord]:
    seed = world.settings.seed
    r = rng(seed, "uploads", workflow.id)
    if r.random() < 0.45:
        return []
    uploads = []
    for n in range(r.randint(1, 3)):
        upload_id = stable_uuid(seed, "upload", f"{workflow.id}:{n}")
        uploads.append(_upload(r, workflow, upload_id, n))
    return uploads


def _upload(r: random.Random, workflow: WorkflowRecord, upload_id: str, n: int) -> UploadRecord:
    is_dictionary = n == 2
    fmt = "csv" if is_dictionary else r.choice(("txt", "txt", "pdf"))
    lines = [r.choice(phrases()["lines"]) for _ in range(r.randint(4, 40))]
    chars = sum(len(line) for line in lines)
    created = truncate_ms(workflow.created_at + timedelta(minutes=r.uniform(5, 600) + n))
    slug = workflow.name.lower().replace(" ", "-")[:32].strip("-") or "script"
    return UploadRecord(
        id=upload_id, workspace_id=workflow.workspace_id, workflow_id=workflow.id,
        user_id=workflow.user_id,
        filename=f"{slug}-pronunciations.csv" if is_dictionary else f"{slug}-script-{n + 1}.{fmt}",
        category="dictionary" if is_dictionary else "script",
        content_type={"csv": "text/csv", "txt": "text/plain", "pdf": "application/pdf"}[fmt],
        format=fmt, size_bytes=len(upload_body(fmt, lines)), lines=tuple(lines),
        char_count=None if is_dictionary else chars,
        line_count=None if is_dictionary else len(lines),
        detected_language=None if is_dictionary else r.choice(("en", "en", "de", "fr")),
        created_at=created, updated_at=created + timedelta(seconds=r.uniform(2, 30)),
    )


# -- records pinned by fixture files -------------------------------------------------------

_TIME_FIELDS = ("created_at", "updated_at")


def _parse_times(fields: dict[str, Any]) -> dict[str, Any]:
    """Pinned timestamps arrive as ISO strings (or YAML datetimes); store aware datetimes."""
    out = dict(fields)
    for key in _TIME_FIELDS:
        value = out.get(key)
        if isinstance(value, str):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if isinstance(value, datetime):
            out[key] = truncate_ms(value if value.tzinfo else value.replace(tzinfo=UTC))
    return out


def apply_pins(world: World, state: WorkspaceState, workflows: list[WorkflowPin],
               uploads: list[UploadPin]) -> None:
    """Add user-pinned records to a workspace; unpinned fields are generated as usual."""
    members = world.fixtures.members(state.info.id)
    starters = _run_starters(world, state.info.id)
    for index, pin in enumerate(workflows):
        fields = _parse_times(pin.fields)
        key = f"{state.info.id}:pin:{fields.get('id') or index}"
        record = _workflow(world, state.info, members, key)
        for name, value in fields.items():
            setattr(record, name, value)
        if "name" in fields and "name_source" not in fields:
            record.name_source = "user"
        record.updated_at = max(record.updated_at, record.created_at)
        # A pin over a generated workflow keeps that workflow's seeded runs, as generated;
        # a run pinned by id may replace any seeded run, so those are all built first.
        state.runs.build(record.id)
        if any("id" in run_pin.fields for run_pin in pin.runs):
            state.runs.build_all()
        state.workflows[record.id] = record
        for number, run_pin in enumerate(pin.runs, start=1):
            run = _pinned_run(world, starters, record, number, run_pin)
            state.runs[run.id] = run
    for index, upload_pin in enumerate(uploads):
        workflow = state.workflows.get(upload_pin.workflow_id)
        if workflow is None:
            continue  # the workflow is not in this workspace; the loader reported it
        r = rng(world.settings.seed, "upload-pin", f"{workflow.id}:{index}")
        upload = _upload(r, workflow, stable_uuid(world.settings.seed, "upload-pin",
                                                  f"{workflow.id}:{index}"), index % 2)
        for name, value in _parse_times(upload_pin.fields).items():
            if hasattr(upload, name):
                setattr(upload, name, value)
        state.uploads[upload.id] = upload


def _pinned_run(world: World, starters: list[User], workflow: WorkflowRecord, number: int,
                pin: RunPin) -> RunRecord:
    fields = _parse_times(pin.fields)
    default_time = workflow.updated_at + timedelta(hours=number)
    status = str(fields.get("status", "completed"))
    run = _run(world, starters, workflow, number, fields.get("created_at", default_time), status)
    if "id" in fields:
        run.id = str(fields["id"])
    if fields.get("fail") is not None:
        run.plan = plan_run(world.settings.seed, world.catalog, run.id, workflow.definition,
                            fail=bool(fields["fail"]))
        _shape_status(run, rng(world.settings.seed, "run", run.id), status)
    user = world.fixtures.users.get(str(fields.get("triggered_by")))
    if user is not None:
        run.triggered_by = {"user_id": user.id, "user_name": user.display_name}
    if run.timeline(world.clock.now()).status != status:
        _pin_at_creation(run, status)
    return run


def _pin_at_creation(run: RunRecord, status: str) -> None:
    """A pinned run too recent for its plan to have got there: reach the status at once."""
    at = run.created_at
    run.controls.clear()
    run.stall_ms, run.stall_pending = None, status == "pending"
    if status == "running":
        run.controls.append(Control("start", at))
        run.stall_ms = 0
    elif status == "paused":
        run.controls.append(Control("pause", at, immediate=True))
    elif status == "completed":
        run.controls.append(Control("finish", at))
    elif status == "failed":
        run.controls.append(Control("fail", at, reason=run.plan.error or "Run failed"))
    elif status == "cancelled":
        run.controls.append(Control("cancel", at))
