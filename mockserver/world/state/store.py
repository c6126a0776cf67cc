"""State per workspace: generated lazily from the seed, then changed only by writes.

Each workspace has its own lock and its own records, so tests that use different
workspaces never see (or wait for) each other.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from typing import Any, Protocol

from ...clock import ControllableClock
from ...errors import NotFound
from ...settings import Settings
from ..catalog.catalog import Catalog
from ..runs.record import RunRecord
from .activity import ActivityRecord
from .content_pins import pinned_entry, pinned_template
from .fixtures import FixtureRules, Fixtures, UploadPin, WorkflowPin, Workspace, parse_fixtures
from .ledger import LedgerBook
from .links import LinkSigner
from .records import DictionaryRecord, PendingUpload, TemplateRecord, UploadRecord, WorkflowRecord
from .roster import Roster
from .run_table import RunTable
from .upload_table import UploadTable

_GENERATIONS = itertools.count(1)  # tells a workspace's states apart across resets


class WorkspaceState:
    def __init__(self, workspace: Workspace) -> None:
        self.info = workspace
        self.lock = threading.RLock()
        self.workflows: dict[str, WorkflowRecord] = {}
        self.runs = RunTable(self.lock)  # by id, indexed by workflow, seeded ones built on read
        self.uploads = UploadTable(self.lock)  # by id, indexed by workflow, built on read
        self.created_workflows = 0  # how many the API created: the next new id's number
        self.ledger = LedgerBook()  # which runs bill this workspace's credits (state/ledger.py)
        self.activity: list[ActivityRecord] = []  # feed entries events made (state/activity.py)
        # Favorites changed through the API, over the seeded ones: voice id -> when it was
        # favorited, or None once unfavorited (world/dataset/voice_population reads both).
        self.favorite_changes: dict[str, datetime | None] = {}
        self.pending_uploads: dict[str, PendingUpload] = {}  # created, not yet confirmed
        self.created_uploads = 0  # how many the API created: the next new id's number
        self.storage_used = 0  # bytes of confirmed API uploads, against the storage quota
        # Moves whenever a workflow record is added or changed (appliers, pins): list
        # orders are kept against it and the run table's version (state/derived.py).
        self.workflows_version = 0
        self.generation = next(_GENERATIONS)
        # Templates are seeded on first use (world/dataset/templates.py fills this);
        # clones made *from this workspace* are counted here, per template id, so a reset
        # of the workspace takes its clones off every template's uses_count.
        self.templates: dict[str, TemplateRecord] | None = None
        self.created_templates = 0
        self.template_clones: dict[str, int] = {}
        # Pronunciation entries, seeded on first use (world/dataset/dictionary.py).
        self.dictionary: dict[str, DictionaryRecord] | None = None
        self.created_entries = 0

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Loaded from a snapshot: a generation of this process, so nothing derived from
        # another workspace state of the same number is taken for this one's.
        self.__dict__.update(state, generation=next(_GENERATIONS))

    def workflows_changed(self) -> None:
        self.workflows_version += 1

    @contextmanager
    def writing(self) -> Iterator[WorkspaceState]:
        """Serialise writes to this workspace (checks and mutation under one lock)."""
        with self.lock:
            yield self

    def live_workflows(self) -> list[WorkflowRecord]:
        return [w for w in self.workflows.values() if w.deleted_at is None]

    def workflow(self, workflow_id: str) -> WorkflowRecord:
        record = self.workflows.get(workflow_id)
        if record is None or record.deleted_at is not None:
            raise NotFound("Workflow not found")
        return record

    def runs_of(self, workflow_id: str) -> list[RunRecord]:
        """Runs of one workflow, oldest first."""
        return self.runs.of_workflow(workflow_id)

    def run(self, workflow_id: str, run_id: str) -> RunRecord:
        self.workflow(workflow_id)
        record = self.runs.find(workflow_id, run_id)
        if record is None or record.workflow_id != workflow_id:
            raise NotFound("Run not found")
        return record

    def uploads_of(self, workflow_id: str) -> list[UploadRecord]:
        return self.uploads.of_workflow(workflow_id)


class Seeder(Protocol):
    """Where a workspace's records come from: ``world.dataset`` implements it, create_app hands
    it in. Injected rather than imported, so the store never depends on the generator above it."""

    def generate(self, world: World, workspace: Workspace) -> WorkspaceState: ...

    def apply_pins(self, world: World, state: WorkspaceState, workflows: list[WorkflowPin],
                   uploads: list[UploadPin]) -> None: ...

    def roster(self, world: World, workspace: Workspace) -> Roster: ...


# World attributes a snapshot leaves out: the workspaces (kept one by one) and what every
# process builds for itself from its settings (the clock's state is kept on its own).
_MADE_PER_PROCESS = frozenset({"settings", "seeder", "startup_fixtures", "catalog", "clock",
                               "links", "fixture_rules", "_states", "_frozen", "thaw",
                               "_lock"})


class World:
    """Every workspace's state plus what is needed to (re)generate it."""

    def __init__(self, settings: Settings, fixtures: Fixtures, catalog: Catalog,
                 clock: ControllableClock, seeder: Seeder) -> None:
        self.settings = settings
        self.seeder = seeder
        self.base_fixtures = fixtures  # what reset() returns to
        self.startup_fixtures = fixtures  # what the log is folded from (snapshots check it)
        self.fixtures = fixtures
        self.catalog = catalog
        self.clock = clock
        self.links = LinkSigner(settings.jwt_secret, settings.link_ttl_seconds)
        self.fixture_rules: FixtureRules | None = None  # set by create_app
        self._states: dict[str, WorkspaceState] = {}
        # Workspaces a snapshot kept, still as its bytes: each is loaded when first used,
        # so a restart does not pay for workspaces nobody asks for.
        self._frozen: dict[str, bytes] = {}
        self.thaw: Callable[[bytes], WorkspaceState] | None = None  # set with _frozen
        self._rosters: dict[str, Roster] = {}  # profile, members, invites; built on first use
        self._lock = threading.RLock()
        self.created_workspaces = 0
        # Fault settings changed at run time (POST /__mock/faults), over the startup ones;
        # replaced, never mutated, so readers can tell a change by identity.
        self.fault_changes: dict[str, Any] = {}
        # Each user's email notification choices, only those changed (every default is on);
        # kept across workspaces (they are the user's), forgotten by a full reset.
        self.notification_preferences: dict[str, dict[str, bool]] = {}
        # Template favorites belong to a user, not a workspace (user id -> template ids, in
        # the order favorited); only a full reset clears them.
        self.template_favorites: dict[str, dict[str, None]] = {}
        # The platform's starter templates, seeded once per process (they never change).
        self.platform_templates: dict[str, TemplateRecord] | None = None

    def workspace(self, workspace_id: str) -> WorkspaceState:
        roster = self._rosters.get(workspace_id)
        if roster is not None and roster.deleted:
            raise NotFound("Workspace not found")
        with self._lock:
            state = self._states.get(workspace_id)
            if state is None:
                frozen = self._frozen.pop(workspace_id, None)
                if frozen is not None and self.thaw is not None:
                    state = self.thaw(frozen)
                else:
                    state = self._generate(workspace_id)
                self._states[workspace_id] = state
            return state

    def roster(self, workspace_id: str) -> Roster:
        """The workspace's profile, members and invites (a deleted workspace's too)."""
        roster = self._rosters.get(workspace_id)
        if roster is not None:
            return roster
        with self._lock:
            roster = self._rosters.get(workspace_id)
            if roster is None:
                workspace = self.fixtures.workspaces.get(workspace_id)
                if workspace is None:
                    raise NotFound("Workspace not found")
                roster = self._rosters[workspace_id] = self.seeder.roster(self, workspace)
            return roster

    def live_roster(self, workspace_id: str) -> Roster | None:
        """The roster of a workspace that exists and is not deleted, else None."""
        if workspace_id not in self.fixtures.workspaces:
            return None
        roster = self.roster(workspace_id)
        return None if roster.deleted else roster

    def role_of(self, workspace_id: str, user_id: str) -> str | None:
        """The user's role in the workspace now (None: not a member, or no such workspace)."""
        roster = self.live_roster(workspace_id)
        return roster.role_of(user_id) if roster is not None else None

    def built_rosters(self) -> list[Roster]:
        """Rosters already built (every one an event changed is among them)."""
        with self._lock:
            return list(self._rosters.values())

    def live_workspace_ids(self) -> list[str]:
        """Every workspace not deleted, in the fixtures' order."""
        return [w for w in list(self.fixtures.workspaces)
                if not (w in self._rosters and self._rosters[w].deleted)]

    def forget_records(self, workspace_id: str) -> None:
        """Drop a deleted workspace's generated records (its roster stays, marked deleted)."""
        with self._lock:
            self._states.pop(workspace_id, None)

    def _generate(self, workspace_id: str) -> WorkspaceState:

        workspace = self.fixtures.workspaces.get(workspace_id)
        if workspace is None:
            raise NotFound("Workspace not found")
        state = self.seeder.generate(self, workspace)
        self.seeder.apply_pins(self, state, *self.fixtures.pins_for(workspace_id))
        return state

    @contextmanager
    def locked_states(self) -> Iterator[tuple[dict[str, WorkspaceState], dict[str, bytes]]]:
        """Every workspace in use, and those a snapshot kept still unused, none of them
        changing (nor any generated) meanwhile."""
        with ExitStack() as stack:
            stack.enter_context(self._lock)
            for workspace_id in sorted(self._states):
                stack.enter_context(self._states[workspace_id].lock)
            yield self._states, self._frozen

    def kept_values(self) -> dict[str, Any]:
        """What events changed outside the workspaces (fixtures, created workspaces,
        faults, preferences ...), for a snapshot: every attribute but the workspaces and
        what each process makes for itself, so a value added later is kept too."""
        return {k: v for k, v in vars(self).items() if k not in _MADE_PER_PROCESS}

    def restore_states(self, frozen: dict[str, bytes], thaw: Callable[[bytes], WorkspaceState],
                       values: dict[str, Any]) -> None:
        """Take the state a snapshot kept (``world/service/snapshots.py``): each workspace
        as bytes that ``thaw`` turns into its state when it is first used."""
        with self._lock:
            self._states, self._frozen, self.thaw = {}, dict(frozen), thaw
            vars(self).update({k: v for k, v in values.items() if k not in _MADE_PER_PROCESS})

    def add_fixtures(self, extra: Fixtures) -> None:
        """Merge records loaded at run time; already-generated workspaces get them now."""

        with self._lock:
            self.fixtures = self.fixtures.merged(extra)
            # Only the workspaces the load is about: visiting every generated one for each
            # created workspace (a load too) made replaying a long log quadratic.
            in_use = self._states.keys() | self._frozen.keys()
            for workspace_id in sorted(extra.touched_workspaces() & in_use):
                state = self.workspace(workspace_id)
                with state.lock:
                    self.seeder.apply_pins(self, state, *extra.pins_for(workspace_id))
                    self._add_content_pins(state, extra)
                    state.workflows_changed()
                    state.runs.changed_all()  # pins may change existing runs in place
            self._add_memberships(extra)

    def _add_content_pins(self, state: WorkspaceState, extra: Fixtures) -> None:
        """Pinned templates and entries join those already built (those not built yet read
        the merged fixtures when they are)."""
        epoch, workspace_id = self.settings.dataset_epoch, state.info.id
        if state.templates is not None:
            for pin in extra.templates_for(workspace_id):
                state.templates[str(pin.fields["id"])] = pinned_template(pin, epoch)
        if state.dictionary is not None:
            for pin in extra.entries_for(workspace_id):
                state.dictionary[str(pin.fields["id"])] = pinned_entry(pin, epoch)

    def _add_memberships(self, extra: Fixtures) -> None:
        """Loaded memberships join rosters already built; a loaded workspace starts over."""
        for workspace_id in extra.workspaces:
            self._rosters.pop(workspace_id, None)
        for workspace_id in {w for w, _user in extra.roles}:
            roster = self._rosters.get(workspace_id)
            if roster is None:
                continue
            fresh = self.seeder.roster(self, self.fixtures.workspaces[workspace_id])
            joined = {user_id: fresh.members[user_id] for (w, user_id) in extra.roles
                      if w == workspace_id}
            roster.members = {**roster.members, **joined}  # replaced: see Roster

    def parse_fixtures(self, text: str, source: str) -> Fixtures:
        """A fixture document checked against the rules and the records known now."""
        assert self.fixture_rules is not None, "create_app sets the fixture rules"
        return parse_fixtures(text, source, self.fixture_rules, self.fixtures)

    def reset(self, workspace_id: str | None = None) -> None:
        """Forget state (all of it, or one workspace's); it regenerates on next use."""
        with self._lock:
            if workspace_id is None:
                self._states.clear()
                self._frozen.clear()
                self._rosters.clear()
                self.fixtures = self.base_fixtures
                self.created_workspaces = 0
                self.fault_changes = {}
                self.notification_preferences = {}
                self.template_favorites = {}
                self._restore_clock()
            else:
                self._states.pop(workspace_id, None)
                self._frozen.pop(workspace_id, None)
                self._rosters.pop(workspace_id, None)

    def set_notification_preferences(self, user_id: str, changes: dict[str, bool]) -> None:
        with self._lock:
            kept = self.notification_preferences
            self.notification_preferences = {**kept, user_id: {**kept.get(user_id, {}),
                                                               **changes}}

    def _restore_clock(self) -> None:
        """Back to the clock the settings started with (frozen instant or real time); the
        changes it had to stay after are gone with the state."""
        self.clock.forget_changes()
        if self.settings.frozen_at is not None:
            self.clock.freeze_at(self.settings.frozen_at)
        else:
            self.clock.follow_real_time()

    def built_workspaces(self) -> list[WorkspaceState]:
        """The workspaces already generated (in use), without generating any other."""
        with self._lock:
            return list(self._states.values())

    def find_run(self, run_id: str) -> tuple[WorkspaceState, RunRecord] | None:
        """A run in any workspace (generating the ones not used yet).

        Runs already built are looked up first: building every seeded run of a large
        workspace to find one is the last resort.
        """
        states = [self.workspace(w) for w in self.live_workspace_ids()]
        for state in states:
            run = dict.get(state.runs, run_id)
            if run is not None:
                return state, run
        for state in states:
            run = state.runs.get(run_id)
            if run is not None:
                return state, run
        return None

    @property
    def run_statuses(self) -> tuple[str, ...]:
        """The run statuses openapi.yaml declares (RunStatusCounts), handed in by create_app."""
        assert self.fixture_rules is not None, "create_app sets the fixture rules"
        return self.fixture_rules.run_statuses

    def generated_states(self) -> list[WorkspaceState]:
        """The workspaces this process has built so far (only they can hold writes)."""
        with self._lock:
            return list(self._states.values())

    def known_workspace(self, workspace_id: str) -> bool:
        return workspace_id in self.fixtures.workspaces

