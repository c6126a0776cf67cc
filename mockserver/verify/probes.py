"""Deterministic probes: auth rules, page arithmetic across pages, cross-call aggregates.

Generated data rarely lands on these, so each is asked directly: the same request
without a credential, with a key that does not exist, for a workspace that is not the
caller's, with a key lacking the operation's scope; a list read one item at a time
against the same list read two at a time; a workflow's run counts against its runs
summary and its runs list.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..spec import Operation
from .caller import Caller
from .checks import page_items
from .exchange import Exchange, Finding
from .target import Credentials

INVALID_KEY = "op_live_" + "verifyProbeKeyThatDoesNotExist".ljust(32, "0")
FOREIGN_WORKSPACE = str(uuid.uuid5(uuid.NAMESPACE_URL, "onepin-mock verify: foreign workspace"))
WORKSPACE_HEADER = "X-Workspace-Id"
STAND_IN_UUID = str(uuid.uuid5(uuid.NAMESPACE_URL, "onepin-mock verify: no such record"))
API_KEY_SCHEME = "ApiKeyAuth"
SESSION_SCHEME = "SessionAuth"


@dataclass(frozen=True)
class Probe:
    name: str  # says what was sent, e.g. "without credentials"
    headers: dict[str, str]
    expected: tuple[int, ...]


class Prober:
    def __init__(self, caller: Caller, credentials: Credentials, ids: dict[str, str],
                 limited_scopes: tuple[str, ...] | None, authenticated: bool) -> None:
        self.caller = caller
        # Probes that change one thing about a working credential need one that works.
        self.authenticated = authenticated
        self.contract = caller.contract
        self.credentials = credentials
        self.ids = ids
        self.limited_scopes = limited_scopes

    # -- auth ----------------------------------------------------------------------------

    def probes_for(self, op: Operation) -> list[Probe]:
        if op.is_public:
            return []
        probes = [Probe("without credentials", {}, (401,)),
                  Probe("with an API key that does not exist",
                        {"Authorization": f"Bearer {INVALID_KEY}"}, (401,))]
        if not self.authenticated:
            return probes
        key, session = self.credentials.api_key, self.credentials.session_token
        if key and API_KEY_SCHEME in op.security and op.workspace == "required":
            probes.append(Probe("with an API key and another workspace's X-Workspace-Id",
                                {"Authorization": f"Bearer {key}",
                                 WORKSPACE_HEADER: FOREIGN_WORKSPACE}, (403, 404)))
        limited = self.credentials.limited_key
        if (limited and self.limited_scopes is not None and op.scope
                and API_KEY_SCHEME in op.security and op.scope not in self.limited_scopes):
            probes.append(Probe(f"with a key lacking the {op.scope} scope",
                                {"Authorization": f"Bearer {limited}"}, (403,)))
        if session and SESSION_SCHEME in op.security and op.workspace == "required":
            probes.append(Probe("with a session and a workspace it is not a member of",
                                {"Authorization": f"Bearer {session}",
                                 WORKSPACE_HEADER: FOREIGN_WORKSPACE}, (403, 404)))
        return probes

    def auth(self, op: Operation) -> None:
        label = f"{op.method} {op.path}"
        for probe in self.probes_for(op):
            if self.caller.budget.spent:
                return
            exchange = self.caller.call(label, path=self.path_for(op),
                                        query=self.required_query(op), headers=probe.headers)
            if exchange is not None and exchange.status not in probe.expected:
                expected = " or ".join(map(str, probe.expected))
                self.caller.add(Finding(label, "auth", f"answered {exchange.status} {probe.name} "
                                                       f"(expected {expected})", "", exchange))

    def path_for(self, op: Operation) -> dict[str, str]:
        """Discovered ids, and a stand-in for any path parameter discovery found no value
        for: the probes' answers (401, 403) come before the server looks the record up."""
        return {p.name: self.ids.get(p.name, _stand_in(p.schema)) for p in op.parameters
                if p.location == "path"}

    def bound(self, op: Operation) -> bool:
        return all(p.name in self.ids for p in op.parameters if p.location == "path")

    def required_query(self, op: Operation) -> dict[str, Any]:
        """A documented value for each required query parameter (example, enum or default)."""
        values = {}
        for p in op.parameters:
            if p.location == "query" and p.required:
                schema = p.schema
                value = schema.get("example", schema.get("default"))
                if value is None:
                    value = (schema.get("enum") or ["verify"])[0]
                values[p.name] = value
        return values

    # -- pages -----------------------------------------------------------------------------

    def pages(self, op: Operation, headers: dict[str, str]) -> None:
        """The second item of a two-item page is the item ``next`` of a one-item page
        leads to, and both pages report the same total."""
        if self.contract.page_rules(op) is None or not self.bound(op) or self.caller.budget.spent:
            return
        label = f"{op.method} {op.path}"
        path = self.path_for(op)
        one = self.caller.call(label, path=path, query={"limit": 1}, headers=headers)
        two = self.caller.call(label, path=path, query={"limit": 2}, headers=headers)
        if one is None or two is None or one.status != 200 or two.status != 200:
            return
        first, pair = one.json() or {}, two.json() or {}
        total_one, total_two = _total(first), _total(pair)
        if total_one != total_two:
            self.caller.add(Finding(label, "pagination", f"pagination.total is {total_one} with "
                                    f"limit=1 and {total_two} with limit=2", "", two))
        self._follow_next(label, path, headers, first, pair)

    def _follow_next(self, label: str, path: dict[str, str], headers: dict[str, str],
                     first: dict[str, Any], pair: dict[str, Any]) -> None:
        link = (first.get("pagination") or {}).get("next")
        items = page_items(pair) or []
        if not isinstance(link, str) or len(items) < 2:
            return
        query = {k: v if len(v) > 1 else v[0] for k, v in parse_qs(urlsplit(link).query).items()}
        following = self.caller.call(label, path=path, query=query, headers=headers)
        if following is None or following.status != 200:
            return
        page = page_items(following.json()) or []
        if not page or _identity(page[0]) != _identity(items[1]):
            self.caller.add(Finding(label, "pagination", "pagination.next of a one-item page "
                                    "does not lead to the second item", "", following))

    # -- aggregates across calls -------------------------------------------------------------

    def run_counts(self, headers: dict[str, str]) -> None:
        """A workflow's runs_count and run_status_counts agree with its runs summary (no
        window) and with the total of its runs list."""
        answers = {}
        for operation_id, query in (("get_workflow", {}), ("runs_summary", {}),
                                    ("list_runs", {"limit": 1})):
            op = self.contract.by_id.get(operation_id)
            if op is None or not self.bound(op) or self.caller.budget.spent:
                return
            answer = self.caller.call(f"{op.method} {op.path}", path=self.path_for(op),
                                      query=query, headers=headers)
            if answer is None or answer.status != 200:
                return
            answers[operation_id] = answer
        self._compare_counts(answers)

    def _compare_counts(self, answers: dict[str, Exchange]) -> None:
        workflow = (answers["get_workflow"].json() or {}).get("data") or {}
        summary = (answers["runs_summary"].json() or {}).get("data") or {}
        listed = ((answers["list_runs"].json() or {}).get("pagination") or {}).get("total")
        counts = workflow.get("run_status_counts") or {}
        label = answers["runs_summary"].operation
        if not isinstance(workflow.get("runs_count"), int) or not isinstance(counts, dict):
            return  # the workflow's own schema drift is reported where it happens
        problems = []
        if summary.get("total_runs") != workflow.get("runs_count"):
            problems.append(f"total_runs is {summary.get('total_runs')}, the workflow's "
                            f"runs_count is {workflow.get('runs_count')}")
        if listed != workflow.get("runs_count"):
            problems.append(f"the runs list total is {listed}, the workflow's runs_count is "
                            f"{workflow.get('runs_count')}")
        for status in self.contract.run_statuses:
            if (counts.get(status) or 0) != (summary.get(status) or 0):
                problems.append(f"{status} is {summary.get(status)}, the workflow's "
                                f"run_status_counts say {counts.get(status)}")
        for problem in problems:
            self.caller.add(Finding(label, "aggregates", problem, "",
                                    answers["runs_summary"]))


def _total(body: dict[str, Any]) -> Any:
    return (body.get("pagination") or {}).get("total")


def _identity(item: Any) -> Any:
    return item.get("id", item) if isinstance(item, dict) else item


def _stand_in(schema: dict[str, Any]) -> str:
    """A value of the parameter's type that names no record."""
    return STAND_IN_UUID if schema.get("format") == "uuid" else "verify"
