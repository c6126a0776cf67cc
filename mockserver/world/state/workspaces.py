"""Admin-side changes to the world: throwaway workspaces and forced run states."""

from __future__ import annotations

import string
from datetime import datetime
from typing import Any

from ...errors import Conflict, NotFound
from ..rng import rng, stable_uuid
from ..runs.lifecycle import Control
from ..runs.plan import make_plan
from .fixtures import ApiKey, Fixtures, User, Workspace
from .records import RunRecord
from .store import WorkspaceState, World

_ALPHANUMERIC = string.ascii_letters + string.digits
DEFAULT_FAILURE = "Run failed (forced through the mock's control API)"


def create_workspace(world: World, options: dict[str, Any]) -> dict[str, Any]:
    """A new workspace with an admin user and an all-scopes API key, isolated from others.

    Ids and the key come from a per-app counter, so a replay creates the same ones.
    """
    with world.creation_lock:
        world.created_workspaces += 1
        number = world.created_workspaces
    seed, key = world.settings.seed, f"runtime:{number}"
    r = rng(seed, "runtime-workspace", key)
    workspace = Workspace(
        id=stable_uuid(seed, "workspace", key),
        name=str(options.get("name") or f"Test workspace {number}"),
        slug=f"test-workspace-{number}",
        credit_balance=int(options.get("credit_balance", 25000)),
        concurrent_run_limit=int(options.get("concurrent_run_limit", 5)),
        workflow_count=int(options.get("workflow_count", 25)),
    )
    user = User(stable_uuid(seed, "user", key), f"Test User {number}",
                f"user{number}@test.example")
    scopes = world.fixture_rules.scopes if world.fixture_rules else ()
    api_key = ApiKey(stable_uuid(seed, "api-key", key), f"Test key {number}",
                     "op_live_" + "".join(r.choice(_ALPHANUMERIC) for _ in range(32)),
                     workspace.id, user.id, tuple(scopes))
    world.add_fixtures(Fixtures({workspace.id: workspace}, {user.id: user},
                                {(workspace.id, user.id): "admin"}, {api_key.secret: api_key}))
    return {"workspace_id": workspace.id, "name": workspace.name, "user_id": user.id,
            "api_key": api_key.secret, "api_key_id": api_key.id, "scopes": list(scopes)}


def force_run(world: World, run_id: str, body: dict[str, Any], now: datetime
              ) -> tuple[WorkspaceState, RunRecord]:
    """Drive a run to ``body["status"]`` right now (for tests of rare paths)."""
    found = world.find_run(run_id)
    if found is None:
        raise NotFound("Run not found")
    state, run = found
    target = body["status"]
    with state.writing():
        current = run.timeline(now)
        if current.status == target:
            return state, run
        if current.terminal or target == "pending":
            raise Conflict(f"A {current.status} run cannot be forced to {target}")
        run.controls.append(_control_for(world, run, body, now))
    return state, run


def _control_for(world: World, run: RunRecord, body: dict[str, Any], now: datetime) -> Control:
    target = body["status"]
    if target == "completed":
        if run.plan.fails:  # completing needs a plan without its seeded failure
            run.plan = make_plan(world.settings.seed, run.id, run.snapshot, world.catalog,
                                 fail=False)
        return Control("finish", now)
    if target == "failed":
        return Control("fail", now, reason=str(body.get("error") or DEFAULT_FAILURE))
    if target == "paused":
        return Control("pause", now, reason=str(body.get("pause_reason") or "user"),
                       immediate=True)
    if target == "running":
        return Control("start", now)
    return Control("cancel", now)
