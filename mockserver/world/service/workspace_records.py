"""The records of a throwaway workspace made through the control API."""

from __future__ import annotations

import string
from datetime import datetime
from typing import Any

from ...errors import RateLimited
from ..rng import rng, stable_uuid
from ..state.fixtures import DEFAULT_STORAGE_QUOTA, ApiKey, Fixtures, User, Workspace
from ..state.plans import DEFAULT_PLAN, PLANS
from ..state.store import World

_ALPHANUMERIC = string.ascii_letters + string.digits


def next_workspace_number(world: World) -> int:
    """The number of the next created workspace (control API and API alike), or 429 once
    ``--max-workspaces`` were created since the last full reset."""
    cap = world.settings.max_workspaces
    if world.created_workspaces >= cap:
        raise RateLimited(f"This mock has created its limit of {cap} workspaces; "
                          "POST /__mock/reset frees them (or raise --max-workspaces)",
                          headers={"Retry-After": "60"})
    return world.created_workspaces + 1


def runtime_workspace(world: World, number: int, options: dict[str, Any]
                      ) -> tuple[Fixtures, dict[str, Any]]:
    """The ``number``-th created workspace.

    Through the control API (no ``owner`` option): with an admin user and an all-scopes
    API key of its own. Through the API (``owner``: the caller): owned by that user, its
    only member, with the slug, colour and creation instant the command decided.
    Ids and the key derive from the seed and the number, so a replay creates the same ones.
    """
    seed, key = world.settings.seed, f"runtime:{number}"
    owner = options.get("owner")
    plan = PLANS[str(options.get("plan") or DEFAULT_PLAN)]
    workspace = Workspace(
        id=stable_uuid(seed, "workspace", key),
        name=str(options.get("name") or f"Test workspace {number}"),
        slug=str(options.get("slug") or f"test-workspace-{number}"),
        credit_balance=int(options.get("credit_balance", plan.monthly_credits)),
        concurrent_run_limit=int(options.get("concurrent_run_limit", plan.concurrent_runs)),
        workflow_count=int(options.get("workflow_count", 25)),
        runs_per_workflow=(None if options.get("runs_per_workflow") is None
                           else int(options["runs_per_workflow"])),
        plan=plan.name,
        owner=None if owner is None else str(owner),
        color_idx=None if options.get("color_idx") is None else int(options["color_idx"]),
        created_at=datetime.fromisoformat(options["at"]) if options.get("at") else None,
        storage_quota_bytes=int(options.get("storage_quota_bytes", DEFAULT_STORAGE_QUOTA)),
    )
    if owner is not None:
        fixtures = Fixtures({workspace.id: workspace}, {}, {(workspace.id, str(owner)): "admin"},
                            {})
        return fixtures, {"workspace_id": workspace.id}
    return _with_user_and_key(world, workspace, number)


def _with_user_and_key(world: World, workspace: Workspace, number: int
                       ) -> tuple[Fixtures, dict[str, Any]]:
    seed, key = world.settings.seed, f"runtime:{number}"
    r = rng(seed, "runtime-workspace", key)
    user = User(stable_uuid(seed, "user", key), f"Test User {number}",
                f"user{number}@test.example")
    scopes = world.fixture_rules.scopes if world.fixture_rules else ()
    api_key = ApiKey(stable_uuid(seed, "api-key", key), f"Test key {number}",
                     "op_live_" + "".join(r.choice(_ALPHANUMERIC) for _ in range(32)),
                     workspace.id, user.id, tuple(scopes))
    fixtures = Fixtures({workspace.id: workspace}, {user.id: user},
                        {(workspace.id, user.id): "admin"}, {api_key.secret: api_key})
    reply = {"workspace_id": workspace.id, "name": workspace.name, "user_id": user.id,
             "api_key": api_key.secret, "api_key_id": api_key.id, "scopes": list(scopes)}
    return fixtures, reply
