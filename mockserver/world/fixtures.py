"""Fixture files: the workspaces, users, memberships and API keys the mock knows.

A fixture file is YAML (or JSON, which is YAML). A bad file stops startup with a
message naming the file and the offending record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import StartupError

ROLES = ("viewer", "editor", "admin")
API_KEY_PREFIX = "op_live_"


@dataclass(frozen=True)
class Workspace:
    id: str
    name: str
    slug: str
    credit_balance: int
    concurrent_run_limit: int
    workflow_count: int


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
class Fixtures:
    workspaces: dict[str, Workspace]
    users: dict[str, User]
    roles: dict[tuple[str, str], str]  # (workspace_id, user_id) -> role
    api_keys: dict[str, ApiKey]  # by secret

    def role_of(self, workspace_id: str, user_id: str) -> str | None:
        return self.roles.get((workspace_id, user_id))

    def members(self, workspace_id: str) -> list[User]:
        return [self.users[u] for (w, u) in self.roles if w == workspace_id]


class _Reader:
    """Reads one section of a fixture file, naming file, section and index on errors."""

    def __init__(self, path: Path, section: str, index: int, record: Any) -> None:
        self.where = f"{path}: {section}[{index}]"
        if not isinstance(record, dict):
            raise StartupError(f"{self.where}: expected a mapping, got {type(record).__name__}")
        self.record = record

    def text(self, key: str, default: str | None = None) -> str:
        value = self.record.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise StartupError(f"{self.where}.{key}: expected a non-empty string")
        return value

    def uuid(self, key: str) -> str:
        value = self.text(key)
        try:
            return str(uuid.UUID(value))
        except ValueError as exc:
            raise StartupError(f"{self.where}.{key}: {value!r} is not a UUID") from exc

    def integer(self, key: str, default: int, minimum: int = 0) -> int:
        value = self.record.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise StartupError(f"{self.where}.{key}: expected an integer >= {minimum}")
        return value

    def choice(self, key: str, allowed: tuple[str, ...]) -> str:
        value = self.text(key)
        if value not in allowed:
            raise StartupError(f"{self.where}.{key}: {value!r} is not one of {list(allowed)}")
        return value


def _section(path: Path, document: dict[str, Any], name: str) -> list[Any]:
    value = document.get(name, [])
    if not isinstance(value, list):
        raise StartupError(f"{path}: '{name}' must be a list")
    return value


def load_fixtures(path: Path, scopes: tuple[str, ...]) -> Fixtures:
    """Load and cross-check a fixture file; ``scopes`` is the ApiKeyScope enum from the spec."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise StartupError(f"{path}: cannot read fixtures: {exc}") from exc
    if not isinstance(document, dict):
        raise StartupError(f"{path}: the top level must be a mapping")
    workspaces = {w.id: w for w in _workspaces(path, document)}
    users = {u.id: u for u in _users(path, document)}
    roles = _memberships(path, document, workspaces, users)
    keys = {k.secret: k for k in _api_keys(path, document, roles, scopes)}
    return Fixtures(workspaces, users, roles, keys)


def _workspaces(path: Path, document: dict[str, Any]) -> list[Workspace]:
    result = []
    for i, record in enumerate(_section(path, document, "workspaces")):
        r = _Reader(path, "workspaces", i, record)
        result.append(Workspace(
            id=r.uuid("id"), name=r.text("name"), slug=r.text("slug"),
            credit_balance=r.integer("credit_balance", 20000),
            concurrent_run_limit=r.integer("concurrent_run_limit", 5, minimum=1),
            workflow_count=r.integer("workflow_count", 25),
        ))
    if not result:
        raise StartupError(f"{path}: at least one workspace is required")
    return result


def _users(path: Path, document: dict[str, Any]) -> list[User]:
    result = []
    for i, record in enumerate(_section(path, document, "users")):
        r = _Reader(path, "users", i, record)
        result.append(User(id=r.uuid("id"), name=r.text("name"), email=r.text("email")))
    return result


def _memberships(path: Path, document: dict[str, Any], workspaces: dict[str, Workspace],
                 users: dict[str, User]) -> dict[tuple[str, str], str]:
    roles = {}
    for i, record in enumerate(_section(path, document, "memberships")):
        r = _Reader(path, "memberships", i, record)
        workspace_id, user_id = r.uuid("workspace"), r.uuid("user")
        if workspace_id not in workspaces:
            raise StartupError(f"{r.where}.workspace: unknown workspace {workspace_id}")
        if user_id not in users:
            raise StartupError(f"{r.where}.user: unknown user {user_id}")
        roles[(workspace_id, user_id)] = r.choice("role", ROLES)
    return roles


def _api_keys(path: Path, document: dict[str, Any], roles: dict[tuple[str, str], str],
              scopes: tuple[str, ...]) -> list[ApiKey]:
    result = []
    for i, record in enumerate(_section(path, document, "api_keys")):
        r = _Reader(path, "api_keys", i, record)
        secret = r.text("key")
        if not secret.startswith(API_KEY_PREFIX) or not secret[len(API_KEY_PREFIX):].isalnum():
            raise StartupError(f"{r.where}.key: must be {API_KEY_PREFIX} + letters and digits")
        key = ApiKey(id=r.uuid("id"), name=r.text("name"), secret=secret,
                     workspace_id=r.uuid("workspace"), user_id=r.uuid("user"),
                     scopes=tuple(record.get("scopes") or ()))
        if (key.workspace_id, key.user_id) not in roles:
            raise StartupError(f"{r.where}: user {key.user_id} is not a member of the workspace")
        unknown = [s for s in key.scopes if s not in scopes]
        if unknown:
            raise StartupError(f"{r.where}.scopes: unknown scope(s) {unknown}")
        result.append(key)
    return result
