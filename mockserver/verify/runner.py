"""One ``verify`` run: discover ids, probe, fuzz each operation, clean up, sum up."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import schemathesis

from ..settings import DEFAULT_SPEC
from ..spec import Operation
from .caller import Budget, Caller
from .contract import Contract
from .discovery import WHOAMI, discover
from .exchange import Exchange, Finding
from .fuzz import fuzz
from .probes import Prober
from .target import Credentials

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Write operations whose answers create what ``--writes`` must remove afterwards.
CREATES_WORKFLOW = ("create_workflow", "duplicate_workflow")
STARTS_RUN = "start_run"
CANCEL_RUN, DELETE_WORKFLOW = "cancel_run", "delete_workflow"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class VerifyOptions:
    base_url: str
    credentials: Credentials
    writes: bool = False
    max_examples: int = 10
    time_limit: float = 300.0
    spec_path: Path = DEFAULT_SPEC
    only: tuple[str, ...] = ()  # operationIds; empty: every operation


@dataclass
class OperationOutcome:
    label: str
    operation_id: str
    calls: int = 0
    findings: list[Finding] = field(default_factory=list)
    skipped: str | None = None
    seconds: float = 0.0


@dataclass
class Outcome:
    base_url: str
    operations: list[OperationOutcome]
    setup_notes: list[str]
    ids: dict[str, str]
    seconds: float
    time_limited: bool = False

    @property
    def findings(self) -> list[Finding]:
        return [f for o in self.operations for f in o.findings]

    @property
    def drift(self) -> bool:
        return bool(self.findings)


class Cleanup:
    """Remembers what write operations created, to remove it at the end."""

    def __init__(self, caller: Caller) -> None:
        self.caller = caller
        self.workflows: list[str] = []
        self.runs: list[tuple[str, str]] = []

    def watch(self, exchange: Exchange) -> None:
        op = self.caller.contract.by_label.get(exchange.operation)
        data = (exchange.json() or {}).get("data") if 200 <= exchange.status < 300 else None
        if op is None or not isinstance(data, dict) or not isinstance(data.get("id"), str):
            return
        if op.operation_id in CREATES_WORKFLOW:
            self.workflows.append(data["id"])
        elif op.operation_id == STARTS_RUN and isinstance(data.get("workflow_id"), str):
            self.runs.append((data["workflow_id"], data["id"]))

    def run(self, headers: dict[str, str]) -> None:
        self.caller.budget.deadline = float("inf")  # clean-up always runs to the end
        for workflow_id, run_id in self.runs:
            self.caller.call(self.caller.label_of(CANCEL_RUN),
                             path={"workflow_id": workflow_id, "run_id": run_id},
                             headers=headers)
        for workflow_id in self.workflows:
            self.caller.call(self.caller.label_of(DELETE_WORKFLOW),
                             path={"workflow_id": workflow_id}, headers=headers)


class Verifier:
    def __init__(self, options: VerifyOptions, progress: Progress) -> None:
        self.options = options
        self.progress = progress
        self.contract = Contract(options.spec_path)
        schema = schemathesis.openapi.from_path(options.spec_path)
        self.caller = Caller(schema, self.contract, options.base_url,
                             Budget(options.time_limit))
        self.cleanup = Cleanup(self.caller)
        self.caller.on_exchange.append(self.cleanup.watch)

    def run(self) -> Outcome:
        started = time.monotonic()
        credentials = self.options.credentials
        self.progress(f"discovering ids at {self.options.base_url} (following openapi.yaml links)")
        found = discover(self.caller, credentials.headers())
        headers = credentials.headers(found.workspace_id)
        for note in found.notes:
            self.progress(f"  {note}")
        self.progress("  found " + (", ".join(f"{k}" for k in sorted(found.ids)) or "no ids"))
        prober = Prober(self.caller, credentials, found.ids, self._limited_scopes(headers),
                        found.authenticated)
        prober.run_counts(headers)
        write_ids = self._scratch_ids(found.ids, headers) if self.options.writes else {}
        operations = self._selected()
        outcomes = [self._operation(n, len(operations), op, prober, headers, write_ids)
                    for n, op in enumerate(operations, 1)]
        if self.options.writes:
            self.progress("cleaning up what the write operations created")
            self.cleanup.run(headers)
        self._attach(outcomes)
        return Outcome(self.options.base_url, outcomes, found.notes, found.ids,
                       round(time.monotonic() - started, 1), self.caller.budget.spent)

    def _selected(self) -> list[Operation]:
        chosen = [op for op in self.contract.spec.operations
                  if not self.options.only or op.operation_id in self.options.only]
        # Deletes go last, so the operations before them still find their records.
        return sorted(chosen, key=lambda op: op.method == "DELETE")

    def _limited_scopes(self, headers: dict[str, str]) -> tuple[str, ...] | None:
        key = self.options.credentials.limited_key
        if not key or WHOAMI not in self.contract.by_id:
            return None
        answer = self.caller.call(self.caller.label_of(WHOAMI),
                                  headers={"Authorization": f"Bearer {key}"})
        data = ((answer.json() or {}).get("data") if answer and answer.status == 200 else None)
        return tuple(data.get("scopes") or ()) if isinstance(data, dict) else None

    def _scratch_ids(self, ids: dict[str, str], headers: dict[str, str]) -> dict[str, str]:
        """Write operations act on a copy of the discovered workflow, never on it."""
        if "workflow_id" not in ids or "duplicate_workflow" not in self.contract.by_id:
            return dict(ids)
        copy = self.caller.call(self.caller.label_of("duplicate_workflow"),
                                path={"workflow_id": ids["workflow_id"]}, headers=headers)
        data = (copy.json() or {}).get("data") if copy and copy.status == 201 else None
        if not isinstance(data, dict):
            return {k: v for k, v in ids.items() if k != "workflow_id"}
        return {"workflow_id": str(data["id"])}

    def _operation(self, number: int, total: int, op: Operation, prober: Prober,
                   headers: dict[str, str], write_ids: dict[str, str]) -> OperationOutcome:
        label = f"{op.method} {op.path}"
        outcome = OperationOutcome(label, op.operation_id)
        before, started = self.caller.calls[label], time.monotonic()
        if op.method not in SAFE_METHODS and not self.options.writes:
            outcome.skipped = "a write operation (run with --writes to test it)"
        elif self.caller.budget.spent:
            outcome.skipped = "the time limit was reached first"
        else:
            ids = prober.ids if op.method in SAFE_METHODS else self._write_ids(write_ids)
            prober.auth(op)
            prober.pages(op, headers)
            path = {p.name: ids[p.name] for p in op.parameters
                    if p.location == "path" and p.name in ids}
            fuzz(self.caller, self.caller.operation(label), path, headers,
                 self.options.max_examples)
        outcome.calls = self.caller.calls[label] - before
        outcome.seconds = round(time.monotonic() - started, 2)
        drifts = len({f.key for f in self.caller.findings.values() if f.operation == label})
        verdict = outcome.skipped or (f"{drifts} drift(s)" if drifts else "ok")
        self.progress(f"[{number:>2}/{total}] {label:<72} {outcome.calls:>4} calls  {verdict}")
        return outcome

    def _write_ids(self, scratch: dict[str, str]) -> dict[str, str]:
        """The scratch workflow, and the latest run a write operation started on it (so
        pause, resume and cancel act on a real run of the copy)."""
        started = [run for workflow, run in self.cleanup.runs
                   if workflow == scratch.get("workflow_id")]
        return {**scratch, "run_id": started[-1]} if started else scratch

    def _attach(self, outcomes: list[OperationOutcome]) -> None:
        by_label = {o.label: o for o in outcomes}
        for finding in self.caller.findings.values():
            outcome = by_label.get(finding.operation)
            if outcome is None:  # a call outside the selection (discovery, clean-up)
                outcome = OperationOutcome(finding.operation, "",
                                           calls=self.caller.calls[finding.operation])
                by_label[finding.operation] = outcome
                outcomes.append(outcome)
            outcome.findings.append(finding)


def verify(options: VerifyOptions, progress: Progress) -> Outcome:
    return Verifier(options, progress).run()
