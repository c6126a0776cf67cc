"""Stateful Schemathesis over the chain create workspace -> invite -> accept -> change the
new member's role, following the OpenAPI links of openapi.yaml between those operations.
Every default check runs on every step, positive and negative data alike, with sessions
(these operations refuse API keys). The other workspace links are followed by the fuzz
run with a session (tests/contract/test_fuzz.py).

Documented adjustments keep the chain reachable; none changes negative data or relaxes a
check beyond the statuses listed below:

* Calls go out as Ada, except accept, which goes out as Ops (ops@globex.example, not a
  member of Ada's new workspaces). Two out of three positive invite bodies are addressed
  to Ops, so accept can succeed; the rest keep exercising its documented 403.
* The ignored-auth probe is off for accept alone: its credential (the invitee's session)
  goes out per call, which Schemathesis reads as generated; accept's 401s have unit tests
  and the fuzz run probes them.
* Positive data may meet the rules JSON Schema cannot state, each a documented answer:
  a slug another workspace holds or a reserved word (409, 422) and the plan's workspace
  limit (402) on create; an address already invited or a member (409), a malformed
  address (422) and the plan's seats (402) on invite; the owner and last admin guard
  (409); an invite sent to someone else (403), or no longer valid (410). Those statuses
  are accepted as positive answers for exactly those calls.

Every scenario starts from the startup state on a frozen clock; Hypothesis is derandomized,
and the test fails unless invite, accept and the role change each succeeded at least once.
"""

from __future__ import annotations

import hashlib
from typing import Any

import schemathesis
import yaml
from flask import Flask
from hypothesis import HealthCheck, Phase, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from support import ACME, ADA, FROZEN_AT, make_settings

from mockserver.app import create_app, mock_of
from mockserver.session_tokens import mint_session_token
from mockserver.settings import DEFAULT_SPEC, Settings
from mockserver.world.service import control

OPS = "e1365c5b-aa80-595b-82fb-d859c47a9686"
OPS_EMAIL = "ops@globex.example"
CHAIN = ("create_workspace", "create_invite", "accept_invite", "update_member_role")
WORKSPACE_HEADER = "X-Workspace-Id"
ACCEPT = "POST /api/v1/workspaces/invites/{token}/accept"
INVITE = "POST /api/v1/workspaces/{workspace_id}/invites"
CHANGE_ROLE = "PATCH /api/v1/workspaces/{workspace_id}/members/{member_id}"
# The rules JSON Schema cannot state (see the module docstring), per operation.
STATE_RULES = {
    "create_workspace": ["402", "409", "422"],
    "update_workspace": ["409", "422"],
    "create_invite": ["402", "409", "422"],
    "update_invite_role": ["409"],
    "update_member_role": ["409"],
    "remove_member": ["409"],
    "accept_invite": ["403", "410"],
}
PEOPLE_SETTINGS = settings(
    derandomize=True, database=None, deadline=None, max_examples=60,
    stateful_step_count=8, phases=[Phase.generate], suppress_health_check=list(HealthCheck),
)


def _token(user: str) -> str:
    return mint_session_token(Settings().jwt_secret, user, FROZEN_AT, 30 * 86400)


def _positive_at(case: Any, location: ParameterLocation) -> bool:
    return case.meta is not None and not case.meta.is_negative_at(location)


def _config() -> SchemathesisConfig:
    accepted = ["2xx", "401", "403", "404"]
    return SchemathesisConfig.from_dict({
        "auth": {"openapi": {"SessionAuth": {"bearer": _token(ADA)}}},
        "phases": {"stateful": {"inference": {"algorithms": []}}},
        "operations": [
            {"include-operation-id": operation_id,
             "checks": {"positive_data_acceptance": {
                 "expected-statuses": sorted(set(accepted + extra))}}}
            for operation_id, extra in STATE_RULES.items()] + [
            # The invitee's token goes out per call, which Schemathesis reads as a generated
            # credential; accept's 401s are tested in tests/unit and by the fuzz run.
            {"include-operation-id": "accept_invite", "checks": {"ignored_auth": {
                "enabled": False}}}],
    })


def _chain_paths() -> dict[str, Any]:
    """openapi.yaml with only the chain's operations and the links between them: the
    machine's scenarios may start at any operation of the document it is given, and with
    every workspace link in play the chain's end is rarely reached. (The fuzz run with a
    session, tests/contract/test_fuzz.py, follows all the workspace links.)"""
    document: dict[str, Any] = yaml.safe_load(DEFAULT_SPEC.read_text(encoding="utf-8"))
    kept: dict[str, Any] = {}
    for path, item in document["paths"].items():
        operations = {method: op for method, op in item.items()
                      if isinstance(op, dict) and op.get("operationId") in CHAIN}
        for operation in operations.values():
            for response in operation["responses"].values():
                links = response.get("links") if isinstance(response, dict) else None
                if links:
                    response["links"] = {name: link for name, link in links.items()
                                         if link["operationId"] in CHAIN}
        if operations:
            kept[path] = {**{k: v for k, v in item.items() if not isinstance(v, dict)
                             or "operationId" not in v}, **operations}
    document["paths"] = kept
    return document


class Steering:
    def __init__(self, app: Flask) -> None:
        self.engine = mock_of(app).engine
        self.last_workspace = ACME
        self.seen: dict[str, set[int]] = {}  # statuses answered, by operation

    def reset(self) -> None:
        control.reset(self.engine)
        control.set_clock(self.engine, frozen_at=FROZEN_AT)
        self.last_workspace = ACME

    def before_call(self, case: Any) -> None:
        self.engine.world.clock.advance(60)
        label = case.operation.label
        if label == INVITE and _positive_at(case, ParameterLocation.BODY):
            self.address_to_ops(case)
        headers = case.headers or {}
        if WORKSPACE_HEADER in headers and _positive_at(case, ParameterLocation.HEADER):
            headers[WORKSPACE_HEADER] = self.last_workspace

    @staticmethod
    def address_to_ops(case: Any) -> None:
        body = case.body
        if isinstance(body, dict) and hashlib.sha256(
                str(body.get("email")).encode()).digest()[0] < 170:
            body["email"] = OPS_EMAIL

    def after_call(self, case: Any, response: Any) -> None:
        self.seen.setdefault(case.operation.label, set()).add(response.status_code)
        if case.operation.label == "POST /api/v1/workspaces" and response.status_code == 201:
            self.last_workspace = response.json()["data"]["id"]


def test_workspace_chain_conforms_across_sequences() -> None:
    """create workspace -> invite -> accept -> change role (and the links around them)
    stays within the contract at every step."""
    app = create_app(make_settings())
    app.testing = True
    schema = schemathesis.openapi.from_dict(_chain_paths(), config=_config())
    schema.app = app
    steering = Steering(app)

    class PeopleWorkflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            steering.reset()

        def before_call(self, case: Any) -> None:
            steering.before_call(case)

        def after_call(self, response: Any, case: Any) -> None:
            steering.after_call(case, response)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            # The invitee accepts with their own session, sent as the call's credential (so
            # the auth probes still remove or spoil it).
            kwargs: dict[str, Any] = super().get_call_kwargs(case)
            if case.operation.label == ACCEPT:
                kwargs["headers"] = {**kwargs.get("headers", {}),
                                     "Authorization": f"Bearer {_token(OPS)}"}
            return kwargs

    PeopleWorkflow.run(settings=PEOPLE_SETTINGS)
    # The chain was walked to its end, not only refused along the way.
    for label in (INVITE, ACCEPT, CHANGE_ROLE):
        assert any(200 <= status < 300 for status in steering.seen.get(label, ())), label

