"""Fixture files: who exists (workspaces, users, memberships, API keys) and, optionally,
records pinned by the user (workflows with their runs, uploads).

A fixture file is YAML or JSON. Every problem is reported with file, line and field;
a file with any problem is refused as a whole (at startup, or with a 422 at run time).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from ...errors import FixtureError, StartupError
from ...limits import MAX_DOCUMENT_VALUES, shape_problem
from .content_pins import (
    ENTRY_KEYS,
    SEEDED_ENTRIES,
    SEEDED_TEMPLATES,
    SNAPSHOT_KEYS,
    TEMPLATE_KEYS,
    ContentPin,
)
from .plans import DEFAULT_PLAN, PLANS
from .yaml_lines import line_of, load_located

ROLES = ("viewer", "editor", "admin")  # lowest first


def role_at_least(role: str, minimum: str | None) -> bool:
    """Whether ``role`` may do what needs ``minimum`` (None: any role)."""
    return minimum is None or ROLES.index(role) >= ROLES.index(minimum)
API_KEY_PREFIX = "op_live_"
# Sizes of a generated workspace. Nothing is generated before it is read, so these bound
# what one client can ask a process to hold once it walks everything (a workflow's row
# costs about 1 KB, a run read with its plan 2-3 KB), not what startup costs.
MAX_WORKFLOW_COUNT = 50_000
MAX_RUNS_PER_WORKFLOW = 1_000
PALETTE_MAX = 11  # colour indexes 0-11
# Uploaded files are carried in the event log, so their total per workspace stays small.
DEFAULT_STORAGE_QUOTA = 10 * 1024 * 1024
MAX_STORAGE_QUOTA = 100 * 1024 * 1024
SECTIONS = ("workspaces", "users", "memberships", "api_keys", "workflows", "uploads",
            "templates", "dictionary")

# (schema name, instance) -> [(dotted path inside the instance, message)]
SchemaCheck = Callable[[str, Any], list[tuple[str, str]]]


@dataclass(frozen=True)
class Workspace:
    id: str
    name: str
    slug: str
    credit_balance: int
    concurrent_run_limit: int
    workflow_count: int
    # Runs of every generated workflow that has a graph; None: a seeded mix of 0 to 9.
    runs_per_workflow: int | None = None
    plan: str = DEFAULT_PLAN  # a key of plans.PLANS: grant, limits, member and invite bounds
    # Set for workspaces created through the API (the caller owns them); a fixture
    # workspace's owner is its first admin, its colour and creation date are seeded.
    owner: str | None = None
    color_idx: int | None = None
    created_at: datetime | None = None
    # Bytes of files uploaded through the API the workspace may keep (checked at confirm).
    storage_quota_bytes: int = DEFAULT_STORAGE_QUOTA
    # How many of its seeded templates and dictionary entries a workspace has (None: all of
    # them); an export sets 0 and pins every record instead.
    template_count: int | None = None
    dictionary_count: int | None = None


@dataclass(frozen=True)
class User:
    id: str
    name: str
    email: str

    @property
    def display_name(self) -> str:
        return self.name or self.email


@dataclass(frozen=True)
class ApiKey:
    id: str
    name: str
    secret: str
    workspace_id: str
    user_id: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class RunPin:
    fields: dict[str, Any]  # id, status, created_at, triggered_by, fail


@dataclass(frozen=True)
class WorkflowPin:
    workspace_id: str
    fields: dict[str, Any]  # any WorkflowOut field; the rest is generated
    runs: tuple[RunPin, ...] = ()


@dataclass(frozen=True)
class UploadPin:
    workspace_id: str
    workflow_id: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class Fixtures:
    workspaces: dict[str, Workspace]
    users: dict[str, User]
    roles: dict[tuple[str, str], str]  # (workspace_id, user_id) -> role
    api_keys: dict[str, ApiKey]  # by secret
    workflows: tuple[WorkflowPin, ...] = ()
    uploads: tuple[UploadPin, ...] = ()
    templates: tuple[ContentPin, ...] = ()
    dictionary: tuple[ContentPin, ...] = ()

    def role_of(self, workspace_id: str, user_id: str) -> str | None:
        return self.roles.get((workspace_id, user_id))

    @cached_property
    def _roles_by_workspace(self) -> dict[str, list[tuple[str, str]]]:
        """(user, role) per workspace, in the order of ``roles``: generating each of many
        workspaces scanned every membership of every workspace."""
        index: dict[str, list[tuple[str, str]]] = {}
        for (w, u), role in self.roles.items():
            index.setdefault(w, []).append((u, role))
        return index

    def members(self, workspace_id: str) -> list[User]:
        return [self.users[u] for u, _role in self._roles_by_workspace.get(workspace_id, ())]

    def members_with_role(self, workspace_id: str, minimum: str | None) -> list[User]:
        """Members whose role is ``minimum`` or higher (all of them when ``minimum`` is None)."""
        return [self.users[u] for u, role in self._roles_by_workspace.get(workspace_id, ())
                if role_at_least(role, minimum)]

    def merged(self, extra: Fixtures) -> Fixtures:
        """These fixtures plus ``extra`` (extra wins on equal ids)."""
        return Fixtures(
            {**self.workspaces, **extra.workspaces}, {**self.users, **extra.users},
            {**self.roles, **extra.roles}, {**self.api_keys, **extra.api_keys},
            self.workflows + extra.workflows, self.uploads + extra.uploads,
            self.templates + extra.templates, self.dictionary + extra.dictionary,
        )

    def touched_workspaces(self) -> set[str]:
        """The workspaces these fixtures declare, pin records in or add members to."""
        return ({*self.workspaces, *(p.workspace_id for p in self.workflows),
                 *(p.workspace_id for p in self.uploads),
                 *(p.workspace_id for p in (*self.templates, *self.dictionary)),
                 *(w for (w, _u) in self.roles)})

    def pins_for(self, workspace_id: str) -> tuple[list[WorkflowPin], list[UploadPin]]:
        return ([p for p in self.workflows if p.workspace_id == workspace_id],
                [p for p in self.uploads if p.workspace_id == workspace_id])

    def templates_for(self, workspace_id: str) -> list[ContentPin]:
        return [p for p in self.templates if p.workspace_id == workspace_id]

    def entries_for(self, workspace_id: str) -> list[ContentPin]:
        return [p for p in self.dictionary if p.workspace_id == workspace_id]


EMPTY = Fixtures({}, {}, {}, {})


# Keys each identity section accepts (pins accept any field of their API schema instead).
_KEYS = {
    "workspaces": ("id", "name", "slug", "plan", "credit_balance", "concurrent_run_limit",
                   "workflow_count", "runs_per_workflow", "owner", "color_idx", "created_at",
                   "storage_quota_bytes", "template_count", "dictionary_count"),
    "users": ("id", "name", "email"),
    "memberships": ("workspace", "user", "role"),
    "api_keys": ("id", "name", "key", "workspace", "user", "scopes"),
}


@dataclass
class _Reader:
    """Walks one document, collecting every problem with its file and line."""

    source: str
    known: Fixtures
    scopes: tuple[str, ...]
    check: SchemaCheck
    check_definition: Callable[[Any], list[tuple[str, str]]]
    problems: list[str] = field(default_factory=list)

    def problem(self, container: Any, key: str | None, where: str, message: str) -> None:
        line = line_of(container, key)
        self.problems.append(f"{self.source}:{line or '?'}: {where}: {message}")

    def records(self, document: dict[str, Any], section: str) -> list[tuple[str, dict[str, Any]]]:
        value = document.get(section, [])
        if not isinstance(value, list):
            self.problem(document, section, section, "must be a list")
            return []
        result = []
        for index, record in enumerate(value):
            where = f"{section}[{index}]"
            if not isinstance(record, dict):
                self.problem(document, section, where, "must be a mapping")
                continue
            for key in record:
                allowed = _KEYS.get(section)
                if allowed is not None and key not in allowed:
                    self.problem(record, key, f"{where}.{key}", f"unknown key; use {list(allowed)}")
            result.append((where, record))
        return result

    def text(self, record: dict[str, Any], key: str, where: str, default: str | None = None
             ) -> str:
        value = record.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.problem(record, key, f"{where}.{key}", "expected a non-empty string")
            return ""
        return value

    def uuid(self, record: dict[str, Any], key: str, where: str, required: bool = True
             ) -> str | None:
        value = record.get(key)
        if value is None and not required:
            return None
        try:
            return str(uuid.UUID(str(value)))
        except ValueError:
            self.problem(record, key, f"{where}.{key}", f"{value!r} is not a UUID")
            return None

    def integer(self, record: dict[str, Any], key: str, where: str, default: int,
                minimum: int = 0, maximum: int | None = None) -> int:
        value = record.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.problem(record, key, f"{where}.{key}", f"expected an integer >= {minimum}")
            return default
        if maximum is not None and value > maximum:
            self.problem(record, key, f"{where}.{key}", f"expected an integer <= {maximum}")
            return default
        return value

    def against(self, schema: str, record: dict[str, Any], keys: list[str], where: str) -> None:
        """Check pinned fields one by one against the matching schema property."""
        for key in keys:
            for path, message in self.check(f"{schema}/properties/{key}", record[key]):
                self.problem(record, key, f"{where}.{key}{path}", message)


def _workspaces(r: _Reader, document: dict[str, Any]) -> dict[str, Workspace]:
    result = {}
    for where, record in r.records(document, "workspaces"):
        workspace_id = r.uuid(record, "id", where)
        plan = _plan(r, record, where)
        if workspace_id:
            result[workspace_id] = Workspace(
                id=workspace_id, name=r.text(record, "name", where),
                slug=r.text(record, "slug", where),
                # Without their own figures, a workspace opens with its plan's grant and limit.
                credit_balance=r.integer(record, "credit_balance", where,
                                         PLANS[plan].monthly_credits),
                concurrent_run_limit=r.integer(record, "concurrent_run_limit", where,
                                               PLANS[plan].concurrent_runs, 1),
                workflow_count=r.integer(record, "workflow_count", where, 25,
                                         maximum=MAX_WORKFLOW_COUNT),
                runs_per_workflow=_runs_per_workflow(r, record, where),
                plan=plan,
                owner=r.uuid(record, "owner", where, required=False),
                color_idx=(None if record.get("color_idx") is None
                           else r.integer(record, "color_idx", where, 0, maximum=PALETTE_MAX)),
                created_at=_instant(r, record, "created_at", where),
                storage_quota_bytes=r.integer(record, "storage_quota_bytes", where,
                                              DEFAULT_STORAGE_QUOTA,
                                              maximum=MAX_STORAGE_QUOTA),
                template_count=_seeded_count(r, record, "template_count", where,
                                             SEEDED_TEMPLATES),
                dictionary_count=_seeded_count(r, record, "dictionary_count", where,
                                               SEEDED_ENTRIES),
            )
    return result


def _seeded_count(r: _Reader, record: dict[str, Any], key: str, where: str,
                  seeded: int) -> int | None:
    if record.get(key) is None:
        return None
    return r.integer(record, key, where, seeded, maximum=seeded)


def _instant(r: _Reader, record: dict[str, Any], key: str, where: str) -> datetime | None:
    value = record.get(key)
    if value is None:
        return None
    try:
        instant = datetime.fromisoformat(str(value))
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        r.problem(record, key, f"{where}.{key}", "expected a date-time with a time zone")
        return None
    return instant


def _owner_problems(r: _Reader, document: dict[str, Any], own: Fixtures,
                    known: Fixtures) -> None:
    """A workspace's ``owner`` must be one of its admins (the owner's role never changes)."""
    records = document.get("workspaces")
    for index, workspace in enumerate(own.workspaces.values()):
        if workspace.owner is None or known.role_of(workspace.id, workspace.owner) == "admin":
            continue
        record = records[index] if isinstance(records, list) and index < len(records) else {}
        r.problem(record, "owner", f"workspaces[{index}].owner",
                  "must be an admin member of the workspace")


def _plan(r: _Reader, record: dict[str, Any], where: str) -> str:
    value = record.get("plan", DEFAULT_PLAN)
    if value not in PLANS:
        r.problem(record, "plan", f"{where}.plan", f"must be one of {list(PLANS)}")
        return DEFAULT_PLAN
    return str(value)


def _runs_per_workflow(r: _Reader, record: dict[str, Any], where: str) -> int | None:
    if record.get("runs_per_workflow") is None:
        return None
    return r.integer(record, "runs_per_workflow", where, 0, maximum=MAX_RUNS_PER_WORKFLOW)


def _users(r: _Reader, document: dict[str, Any]) -> dict[str, User]:
    result = {}
    for where, record in r.records(document, "users"):
        user_id = r.uuid(record, "id", where)
        if user_id:
            # A user may have no display name; the API then shows their email instead.
            name = r.text(record, "name", where) if record.get("name") is not None else ""
            result[user_id] = User(user_id, name, r.text(record, "email", where))
    return result


def _memberships(r: _Reader, document: dict[str, Any], known: Fixtures
                 ) -> dict[tuple[str, str], str]:
    roles = {}
    for where, record in r.records(document, "memberships"):
        workspace_id, user_id = r.uuid(record, "workspace", where), r.uuid(record, "user", where)
        if workspace_id and workspace_id not in known.workspaces:
            r.problem(record, "workspace", f"{where}.workspace", "unknown workspace")
        if user_id and user_id not in known.users:
            r.problem(record, "user", f"{where}.user", "unknown user")
        role = record.get("role")
        if role not in ROLES:
            r.problem(record, "role", f"{where}.role", f"must be one of {list(ROLES)}")
        elif workspace_id and user_id:
            roles[(workspace_id, user_id)] = str(role)
    return roles


def _api_keys(r: _Reader, document: dict[str, Any], known: Fixtures) -> dict[str, ApiKey]:
    result = {}
    for where, record in r.records(document, "api_keys"):
        secret = r.text(record, "key", where)
        if secret and (not secret.startswith(API_KEY_PREFIX)
                       or not secret[len(API_KEY_PREFIX):].isalnum()):
            r.problem(record, "key", f"{where}.key", f"must be {API_KEY_PREFIX} + letters/digits")
        scopes = record.get("scopes") or []
        if not isinstance(scopes, list):
            r.problem(record, "scopes", f"{where}.scopes", "must be a list of scopes")
            scopes = []
        unknown = [s for s in scopes if s not in r.scopes]
        if unknown:
            r.problem(record, "scopes", f"{where}.scopes", f"unknown scope(s) {unknown}")
        key_id = r.uuid(record, "id", where)
        workspace_id, user_id = r.uuid(record, "workspace", where), r.uuid(record, "user", where)
        if user_id and user_id not in known.users:
            r.problem(record, "user", f"{where}.user", "unknown user")
        elif workspace_id and user_id and (workspace_id, user_id) not in known.roles:
            r.problem(record, "user", f"{where}.user", "is not a member of that workspace")
        if key_id and workspace_id and user_id and secret:
            result[secret] = ApiKey(key_id, r.text(record, "name", where), secret, workspace_id,
                                    user_id, tuple(scopes))
    return result


_WORKFLOW_META_KEYS = ("workspace", "runs")
_RUN_KEYS = ("id", "status", "created_at", "triggered_by", "fail")


def _workflows(r: _Reader, document: dict[str, Any], known: Fixtures,
               run_statuses: tuple[str, ...]) -> list[WorkflowPin]:
    pins = []
    for where, record in r.records(document, "workflows"):
        workspace_id = r.uuid(record, "workspace", where)
        if workspace_id and workspace_id not in known.workspaces:
            r.problem(record, "workspace", f"{where}.workspace", "unknown workspace")
        fields = {k: v for k, v in record.items() if k not in _WORKFLOW_META_KEYS}
        r.against("WorkflowOut", record, list(fields), where)
        if isinstance(fields.get("definition"), dict):
            for path, message in r.check_definition(fields["definition"]):
                r.problem(record, "definition", f"{where}.{path}", message)
        runs = _runs(r, record, where, run_statuses)
        _starters_are_members(r, record, workspace_id, known, where)
        if workspace_id:
            pins.append(WorkflowPin(workspace_id, dict(fields), tuple(runs)))
    return pins


def _starters_are_members(r: _Reader, workflow: dict[str, Any], workspace_id: str | None,
                          known: Fixtures, where: str) -> None:
    """A pinned run's ``triggered_by`` names a member of its workspace: whoever started a
    run could reach the workspace then."""
    runs = workflow.get("runs")
    if workspace_id is None or not isinstance(runs, list):
        return
    for index, run in enumerate(runs):
        user = run.get("triggered_by") if isinstance(run, dict) else None
        if user is not None and known.role_of(workspace_id, str(user)) is None:
            r.problem(run, "triggered_by", f"{where}.runs[{index}].triggered_by",
                      "must be a member of the workflow's workspace")


def _runs(r: _Reader, workflow: dict[str, Any], where: str,
          run_statuses: tuple[str, ...]) -> list[RunPin]:
    raw = workflow.get("runs", [])
    if not isinstance(raw, list):
        r.problem(workflow, "runs", f"{where}.runs", "must be a list")
        return []
    pins = []
    for index, run in enumerate(raw):
        at = f"{where}.runs[{index}]"
        if not isinstance(run, dict):
            r.problem(workflow, "runs", at, "must be a mapping")
            continue
        for key in run:
            if key not in _RUN_KEYS:
                r.problem(run, key, f"{at}.{key}", f"unknown key; use {list(_RUN_KEYS)}")
        if run.get("status", "completed") not in run_statuses:
            r.problem(run, "status", f"{at}.status", f"must be one of {list(run_statuses)}")
        r.against("WorkflowRunDetailOut", run, [k for k in ("id", "created_at") if k in run], at)
        pins.append(RunPin(dict(run)))
    return pins


def _uploads(r: _Reader, document: dict[str, Any], known: Fixtures,
             workflows: list[WorkflowPin]) -> list[UploadPin]:
    owners = {str(p.fields.get("id")): p.workspace_id for p in [*known.workflows, *workflows]}
    pins = []
    for where, record in r.records(document, "uploads"):
        workflow_id = r.uuid(record, "workflow", where)
        workspace_id = r.uuid(record, "workspace", where, required=False)
        workspace_id = workspace_id or owners.get(str(workflow_id))
        if workspace_id is None or workspace_id not in known.workspaces:
            r.problem(record, "workspace", f"{where}.workspace",
                      "unknown workspace (give 'workspace', or pin the workflow in this file)")
        fields = {k: v for k, v in record.items() if k not in ("workflow", "workspace")}
        r.against("UploadOut", record, [k for k in fields if k != "sha256"], where)
        if "sha256" in fields and not _is_digest(fields["sha256"]):
            r.problem(record, "sha256", f"{where}.sha256", "expected 64 lower-case hex digits")
        if workflow_id and workspace_id:
            pins.append(UploadPin(workspace_id, workflow_id, dict(fields)))
    return pins


def _is_digest(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(
        c in "0123456789abcdef" for c in value)


def _content_workspace(r: _Reader, record: dict[str, Any], known: Fixtures,
                       where: str) -> str | None:
    workspace_id = r.uuid(record, "workspace", where)
    if workspace_id is not None and workspace_id not in known.workspaces:
        r.problem(record, "workspace", f"{where}.workspace", "unknown workspace")
        return None
    return workspace_id


def _required(r: _Reader, record: dict[str, Any], keys: tuple[str, ...], where: str) -> bool:
    missing = [k for k in keys if record.get(k) is None]
    for key in missing:
        r.problem(record, None, f"{where}.{key}", "required")
    return not missing


def _templates(r: _Reader, document: dict[str, Any], known: Fixtures) -> list[ContentPin]:
    """A workspace's own templates, pinned whole: the draft's fields as TemplateOut has
    them, ``uses_count`` as the count to start from, and ``published`` (the snapshot the
    gallery shows, or null)."""
    pins = []
    for where, record in r.records(document, "templates"):
        workspace_id = _content_workspace(r, record, known, where)
        _unknown_keys(r, record, TEMPLATE_KEYS, where)
        r.against("TemplateOut", record, [k for k in record if k in TEMPLATE_KEYS[2:]], where)
        definitions = [(where, record)]
        published = record.get("published")
        if published is not None and not isinstance(published, dict):
            r.problem(record, "published", f"{where}.published", "must be a mapping or null")
        elif published is not None:
            _unknown_keys(r, published, SNAPSHOT_KEYS, f"{where}.published")
            r.against("TemplateOut", published,
                      [k for k in published if k != "published_at"], f"{where}.published")
            _instant(r, published, "published_at", f"{where}.published")
            definitions.append((f"{where}.published", published))
        for at, holder in definitions:
            if isinstance(holder.get("definition"), dict):
                for path, message in r.check_definition(holder["definition"]):
                    r.problem(holder, "definition", f"{at}.{path}", message)
        if _required(r, record, ("id", "name", "definition"), where) and workspace_id:
            pins.append(ContentPin(workspace_id, dict(record)))
    return pins


def _entries(r: _Reader, document: dict[str, Any], known: Fixtures) -> list[ContentPin]:
    """Dictionary entries, pinned whole: DictionaryOut's fields, and ``upload_id`` (the
    recorded clip's upload) in place of its signed ``audio_url``."""
    pins, words = [], set()
    for where, record in r.records(document, "dictionary"):
        workspace_id = _content_workspace(r, record, known, where)
        _unknown_keys(r, record, ENTRY_KEYS, where)
        r.against("DictionaryOut", record, [k for k in record if k in ENTRY_KEYS[2:]], where)
        if record.get("upload_id") is not None:
            r.uuid(record, "upload_id", where)
        word = (workspace_id, record.get("language"), str(record.get("word")).strip().casefold())
        if word in words:
            r.problem(record, "word", f"{where}.word", "a second entry of this word and language")
        words.add(word)
        if _required(r, record, ("id", "word", "method", "language"), where) and workspace_id:
            pins.append(ContentPin(workspace_id, dict(record)))
    return pins


def _unknown_keys(r: _Reader, record: dict[str, Any], allowed: tuple[str, ...],
                  where: str) -> None:
    for key in record:
        if key not in allowed:
            r.problem(record, key, f"{where}.{key}", f"unknown key; use {list(allowed)}")


@dataclass(frozen=True)
class VoiceVocabulary:
    """The enums of VoiceOut that a workspace voice takes values from (from openapi.yaml)."""

    accents: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()  # without "platform", which the catalog voices have
    import_states: tuple[str, ...] = ()  # the first one means the voice can be used
    # The other fixed dimensions of the voice browser's facets, in enum order.
    genders: tuple[str, ...] = ()
    ages: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class FixtureRules:
    """What the spec says about fixture records, handed in by the app."""

    scopes: tuple[str, ...]
    run_statuses: tuple[str, ...]
    check: SchemaCheck  # ("Schema/properties/field", value) -> problems
    check_definition: Callable[[Any], list[tuple[str, str]]]  # save-time graph rules
    # x-onepin-min-role of start_run: who may have triggered a seeded run (None: anyone)
    start_run_role: str | None = None
    voices: VoiceVocabulary = field(default_factory=VoiceVocabulary)  # VoiceOut enums


def parse_fixtures(text: str, source: str, rules: FixtureRules, known: Fixtures = EMPTY
                   ) -> Fixtures:
    """Parse one fixture document; references may point at ``known`` records."""
    try:
        document = load_located(text)
    except yaml.YAMLError as exc:
        raise FixtureError([f"{source}: not valid YAML or JSON: {exc}"]) from exc
    except RecursionError as exc:  # the YAML composer recurses once per nesting level
        raise FixtureError([f"{source}: nested too deeply"]) from exc
    problem = shape_problem(document, MAX_DOCUMENT_VALUES)
    if problem:
        raise FixtureError([f"{source}: {problem}"])
    if document is None:
        raise FixtureError([f"{source}: the document is empty"])
    if not isinstance(document, dict):
        raise FixtureError([f"{source}: the top level must be a mapping of sections"])
    r = _Reader(source, known, rules.scopes, rules.check, rules.check_definition)
    for key in document:
        if key not in SECTIONS:
            r.problem(document, key, key, f"unknown section; use {list(SECTIONS)}")
    own = replace(EMPTY, workspaces=_workspaces(r, document), users=_users(r, document))
    context = known.merged(own)
    own = replace(own, roles=_memberships(r, document, context))
    context = known.merged(own)
    _owner_problems(r, document, own, context)
    own = replace(own, api_keys=_api_keys(r, document, context))
    workflows = _workflows(r, document, context, rules.run_statuses)
    own = replace(own, workflows=tuple(workflows),
                  uploads=tuple(_uploads(r, document, context, workflows)),
                  templates=tuple(_templates(r, document, context)),
                  dictionary=tuple(_entries(r, document, context)))
    if r.problems:
        raise FixtureError(r.problems)
    return own


def load_fixtures(path: Path, rules: FixtureRules) -> Fixtures:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StartupError(f"{path}: cannot read fixtures: {exc}") from exc
    fixtures = parse_fixtures(text, str(path), rules)
    if not fixtures.workspaces:
        raise FixtureError([f"{path}: at least one workspace is required"])
    return fixtures
