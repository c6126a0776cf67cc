"""The records of a throwaway workspace made through the control API."""

from __future__ import annotations

import string
from typing import Any

from ..rng import rng, stable_uuid
from ..state.fixtures import DEFAULT_STORAGE_QUOTA, ApiKey, Fixtures, User, Workspace
from ..state.plans import DEFAULT_PLAN, PLANS
from ..state.store import World

_ALPHANUMERIC = string.ascii_letters + string.digits


def runtime_workspace(world: World, number: int, options: dict[str, Any]
                      ) -> tuple[Fixtures, dict[str, Any]]:
    """The ``number``-th created workspace: an admin user and an all-scopes API key.

    Ids and the key derive from the seed and the number, so a replay creates the same ones.
    """
    seed, key = world.settings.seed, f"runtime:{number}"
    r = rng(seed, "runtime-workspace", key)
    plan = PLANS[str(options.get("plan") or DEFAULT_PLAN)]
    workspace = Workspace(
        id=stable_uuid(seed, "workspace", key),
        name=str(options.get("name") or f"Test workspace {number}"),
        slug=f"test-workspace-{number}",
        credit_balance=int(options.get("credit_balance", plan.monthly_credits)),
        concurrent_run_limit=int(options.get("concurrent_run_limit", plan.concurrent_runs)),
        workflow_count=int(options.get("workflow_count", 25)),
        runs_per_workflow=(None if options.get("runs_per_workflow") is None
                           else int(options["runs_per_workflow"])),
        plan=plan.name,
        storage_quota_bytes=int(options.get("storage_quota_bytes", DEFAULT_STORAGE_QUOTA)),
    )
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
