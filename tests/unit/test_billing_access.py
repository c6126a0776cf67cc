"""Who reaches a workspace's plan, subscription and checkout: the workspace comes from the
path (``x-onepin-workspace: path``) and the pipeline's check decides, as for the people
operations; a stranger is told the workspace does not exist, a member below the role
needed is refused, and a key (of any workspace) is not a credential these take."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from support import (
    ACME,
    ADA,
    ELI,
    GUS,
    KEY,
    SECOND_WORKSPACE_KEY,
    VERA,
    assert_error,
    bearer,
    ok,
    session,
    spec_operations,
)

WORKSPACE = f"/api/v1/workspaces/{ACME}"
ORDER = {"plan_price_id": "price_pro_monthly", "return_url": "https://app.example/done"}
# operation -> (method, path, body)
OPERATIONS = {
    "get_workspace_plan_limits": ("GET", f"{WORKSPACE}/plan", None),
    "get_workspace_subscription": ("GET", f"{WORKSPACE}/subscription", None),
    "create_workspace_org_checkout": ("POST", f"{WORKSPACE}/billing/checkout", ORDER),
}
CALLERS = {
    "admin": session(ADA, ttl=86400),
    "editor": session(ELI, ttl=86400),
    "viewer": session(VERA, ttl=86400),
    "outsider": session(GUS, ttl=86400),  # Globex's admin, no member of Acme
    "own key": KEY,  # Acme's key: sessions only
    "other key": bearer(SECOND_WORKSPACE_KEY),  # Globex's key
}
READ = {"admin": (200, None), "editor": (200, None), "viewer": (200, None)}
REFUSED = {"outsider": (404, "NOT_FOUND"), "own key": (401, "UNAUTHORIZED"),
           "other key": (401, "UNAUTHORIZED")}
EXPECTED = {
    "get_workspace_plan_limits": {**READ, **REFUSED},
    "get_workspace_subscription": {**READ, **REFUSED},
    "create_workspace_org_checkout": {
        "admin": (200, None), "editor": (403, "FORBIDDEN"), "viewer": (403, "FORBIDDEN"),
        **REFUSED},
}


@pytest.mark.parametrize("caller", sorted(CALLERS))
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_who_reaches_a_workspaces_billing(client: FlaskClient, operation: str,
                                          caller: str) -> None:
    ok(client.post(f"/__mock/workspaces/{ACME}/billing", json={"plan": "free"}))  # may buy
    method, path, body = OPERATIONS[operation]
    response = client.open(path, method=method, json=body, headers=CALLERS[caller])
    status, code = EXPECTED[operation][caller]
    if code is None:
        ok(response, status)
    else:
        assert_error(response, status, code)


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_a_deleted_workspace_is_gone_for_its_former_admin(client: FlaskClient,
                                                          operation: str) -> None:
    made = ok(client.post("/api/v1/workspaces", json={"name": "Short lived"},
                          headers=session(ADA)), 201)
    ok(client.delete(f"/api/v1/workspaces/{made['id']}", headers=session(ADA)))
    method, path, body = OPERATIONS[operation]
    response = client.open(path.replace(ACME, made["id"]), method=method, json=body,
                           headers=session(ADA))
    assert_error(response, 404, "NOT_FOUND")


def test_billing_operations_declare_the_path_workspace() -> None:
    """The pipeline resolves the workspace (and so the journal names it) for every
    operation under /workspaces/{workspace_id}."""
    declared = {op.operation_id: op.workspace for op in spec_operations()
                if op.operation_id in OPERATIONS}
    assert declared == dict.fromkeys(OPERATIONS, "path")


def test_the_journal_names_the_workspace_of_a_billing_request(client: FlaskClient) -> None:
    ok(client.get(f"{WORKSPACE}/plan", headers=session(VERA)))
    entry = ok(client.get("/__mock/requests?limit=1"))[0]
    assert (entry["path"], entry["workspace_id"]) == (f"{WORKSPACE}/plan", ACME)
