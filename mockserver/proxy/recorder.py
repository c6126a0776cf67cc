"""Turning what passed through the proxy into a fixture file ``serve --fixtures`` loads.

Only successful reads are recorded: the caller's identity (``whoami``), workflows (list
and detail), their runs and uploads. Secrets never reach the file: the API key is
replaced by a stand-in (printed in the log, so the recording can be used), and every
string goes through ``redact`` (keys, JWTs, presigned-link signatures).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ..redact import redact_text
from ..verify.exchange import Exchange

FIXTURE_FILE = "fixtures.yaml"
# The stored fields of a workflow and an upload, as ``onepin-mock export`` writes them;
# everything else a workflow reports (runs_count, last_run_status ...) is derived.
WORKFLOW_FIELDS = ("id", "user_id", "name", "name_source", "description", "definition",
                   "created_at", "updated_at")
UPLOAD_FIELDS = ("id", "user_id", "filename", "category", "content_type", "format",
                 "size_bytes", "char_count", "line_count", "detected_language", "created_at",
                 "updated_at")
# Stand-ins for what no read endpoint reports about a workspace.
WORKSPACE_DEFAULTS = {"credit_balance": 25000, "concurrent_run_limit": 5, "workflow_count": 0}

Identity = dict[str, Any]  # whoami's data
WhoAmI = Callable[[str], Identity | None]  # Authorization header -> identity


def stand_in_key(seed: str) -> str:
    """A well-formed ``op_live_`` key derived from the real key's id (never from its secret)."""
    return "op_live_rec" + hashlib.sha256(seed.encode()).hexdigest()[:29]


class Recorder:
    def __init__(self, directory: Path, whoami: WhoAmI) -> None:
        self.path = directory / FIXTURE_FILE
        directory.mkdir(parents=True, exist_ok=True)
        self._whoami = whoami
        self._lock = threading.Lock()
        self._identities: dict[str, Identity] = {}  # Authorization -> identity
        self._secrets: set[str] = set()
        self.keys: dict[str, dict[str, Any]] = {}
        self.workspaces: set[str] = set()
        self.users: dict[str, dict[str, Any]] = {}
        self.members: dict[tuple[str, str], str] = {}
        self.workflows: dict[str, dict[str, Any]] = {}
        self.runs: dict[str, dict[str, dict[str, Any]]] = {}
        self.uploads: dict[str, dict[str, Any]] = {}

    def observe(self, operation_id: str, path: dict[str, str], exchange: Exchange,
                authorization: str, workspace_header: str | None) -> None:
        data = (exchange.json() or {}).get("data") if exchange.method == "GET" else None
        if not 200 <= exchange.status < 300 or data is None or not authorization:
            return
        with self._lock:
            self._secrets.add(authorization.split(" ", 1)[-1])
            identity = self._identity(authorization)
            workspace = workspace_header or (identity or {}).get("workspace_id")
            if not workspace:
                return
            self._observe(operation_id, path, data, workspace)
            self._write()

    def _identity(self, authorization: str) -> Identity | None:
        if authorization not in self._identities:
            identity = self._whoami(authorization)
            if identity is None:
                return None
            self._identities[authorization] = identity
            self._add_identity(identity)
        return self._identities[authorization]

    def _add_identity(self, identity: Identity) -> None:
        workspace, user = identity.get("workspace_id"), identity.get("user_id")
        if not workspace or not user:
            return
        self._user(user)
        self.workspaces.add(workspace)
        self.members[(workspace, user)] = "admin"
        key_id = identity.get("api_key_id")
        if identity.get("auth_kind") == "api_key" and key_id:
            self.keys[key_id] = {"id": key_id, "name": "Recorded key",
                                 "key": stand_in_key(key_id), "workspace": workspace,
                                 "user": user, "scopes": list(identity.get("scopes") or [])}

    def _user(self, user_id: str, name: str | None = None) -> None:
        known = self.users.get(user_id)
        if known is None or (name and known["name"] == "Recorded user"):
            self.users[user_id] = {"id": user_id, "name": name or "Recorded user",
                                   "email": f"user-{user_id[:8]}@recorded.invalid"}

    def _member(self, workspace: str, user_id: Any, name: str | None = None) -> None:
        if isinstance(user_id, str) and user_id:
            self._user(user_id, name)
            self.members.setdefault((workspace, user_id), "editor")

    def _observe(self, operation_id: str, path: dict[str, str], data: Any,
                 workspace: str) -> None:
        self.workspaces.add(workspace)
        rows = data if isinstance(data, list) else [data]
        for row in (r for r in rows if isinstance(r, dict)):
            if operation_id in ("list_workflows", "get_workflow"):
                self._workflow(row, workspace)
            elif operation_id in ("list_runs", "get_run") and "workflow_id" in path:
                self._run(path["workflow_id"], row, workspace)
            elif operation_id == "list_workflow_uploads" and "workflow_id" in path:
                self._upload(path["workflow_id"], row, workspace)

    def _workflow(self, row: dict[str, Any], workspace: str) -> None:
        if not isinstance(row.get("id"), str):
            return
        record = self.workflows.setdefault(row["id"], {"workspace": workspace})
        record.update({k: row[k] for k in WORKFLOW_FIELDS if k in row})
        self._member(workspace, row.get("user_id"))

    def _run(self, workflow_id: str, row: dict[str, Any], workspace: str) -> None:
        if not isinstance(row.get("id"), str) or workflow_id not in self.workflows:
            return
        raw_trigger = row.get("triggered_by")
        trigger: dict[str, Any] = raw_trigger if isinstance(raw_trigger, dict) else {}
        run = {"id": row["id"], "status": row.get("status"), "created_at": row.get("created_at")}
        if trigger.get("user_id"):
            run["triggered_by"] = trigger["user_id"]
            self._member(workspace, trigger["user_id"], trigger.get("user_name"))
        self.runs.setdefault(workflow_id, {})[row["id"]] = {k: v for k, v in run.items() if v}

    def _upload(self, workflow_id: str, row: dict[str, Any], workspace: str) -> None:
        if not isinstance(row.get("id"), str) or workflow_id not in self.workflows:
            return
        upload = {"workflow": workflow_id, "workspace": workspace}
        upload.update({k: row[k] for k in UPLOAD_FIELDS if k in row})
        self.uploads[row["id"]] = upload
        self._member(workspace, row.get("user_id"))

    # -- the file --------------------------------------------------------------------------

    def document(self) -> dict[str, Any]:
        workflows = [{**record, "runs": sorted(self.runs.get(wid, {}).values(),
                                               key=lambda r: str(r.get("created_at")))}
                     for wid, record in self.workflows.items()]
        return {
            "workspaces": [{"id": w, "name": f"Recorded workspace {w[:8]}",
                            "slug": f"recorded-{w[:8]}", **WORKSPACE_DEFAULTS}
                           for w in sorted(self.workspaces)],
            "users": list(self.users.values()),
            "memberships": [{"workspace": w, "user": u, "role": role}
                            for (w, u), role in self.members.items()],
            "api_keys": list(self.keys.values()),
            "workflows": workflows,
            "uploads": list(self.uploads.values()),
        }

    def _write(self) -> None:
        document = self.document()
        keys = document.pop("api_keys")  # stand-ins already; redaction would mask them too
        document = {**_scrub(document, tuple(self._secrets)), "api_keys": keys}
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        self.path.write_text(text, encoding="utf-8")


def _scrub(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return redact_text(value, secrets)
    if isinstance(value, dict):
        return {k: _scrub(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, secrets) for v in value]
    return value
