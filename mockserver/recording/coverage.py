"""API coverage: which operations a client called, what they answered, and why each 4xx.

Each answered API request adds one to a few counters in the state backend (beside the
journal, so every worker of one mock counts into the same place, and unbounded by the
journal's size, so nothing is lost when the journal rotates). A counter's key is a small
JSON array; the report is built from the counters when asked, and counters from several
mocks (the servers of a pytest-xdist session) merge by adding them up.

Every 4xx is attributed:

- ``spec_violation``: the request broke openapi.yaml (a client bug); the validation
  failures name the field, the JSON Schema rule and the message. A path or method the
  contract does not declare counts here too.
- ``contract_rule``: a rule of the API beyond the schema (auth, scopes, roles, state,
  limits, the node catalog's save-time rules).
- ``forced``: the client asked for it (``Prefer: code=``, ``X-Mock-Fault``, fault rates).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .store import RequestStore

SPEC_VIOLATION = "spec_violation"
CONTRACT_RULE = "contract_rule"
FORCED = "forced"
ATTRIBUTIONS = (SPEC_VIOLATION, CONTRACT_RULE, FORCED)
NO_WORKSPACE = "-"  # public operations and requests refused before a workspace was known
UNMATCHED = "(no operation)"  # a path or method openapi.yaml does not declare
_CALL, _FAILURE = "call", "failure"


@dataclass(frozen=True)
class Failure:
    """One request-validation failure: the field, the rule it broke, the message sent."""

    field: str
    rule: str
    message: str

    def to_wire(self) -> dict[str, str]:
        return {"field": self.field, "rule": self.rule, "message": self.message}


def attribution(status: int, forced: bool, failures: Sequence[Failure],
                operation_id: str | None) -> str | None:
    """Whose rule a 4xx answer enforced; ``None`` for any other status."""
    if not 400 <= status < 500:
        return None
    if forced:
        return FORCED
    if failures or operation_id is None:
        return SPEC_VIOLATION
    return CONTRACT_RULE


def counter_keys(workspace_id: str | None, operation_id: str | None, status: int,
                 blame: str | None, failures: Iterable[Failure]) -> list[str]:
    """The counters one answered request adds one to."""
    workspace, operation = workspace_id or NO_WORKSPACE, operation_id or UNMATCHED
    keys = [_key(_CALL, workspace, operation, status, blame or "")]
    keys.extend(_key(_FAILURE, workspace, operation, f.field, f.rule, f.message)
                for f in failures)
    return keys


# Every answered request names its counter, and nearly all of them name the same few.
@lru_cache(maxsize=4096)
def _key(*parts: Any) -> str:
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"))


def merge_counts(*many: Mapping[str, int]) -> dict[str, int]:
    """Counters of several mocks (or sessions) as one: hits add up."""
    merged: dict[str, int] = {}
    for counts in many:
        for key, hits in counts.items():
            merged[key] = merged.get(key, 0) + int(hits)
    return merged


class Coverage:
    """The coverage counters of one mock, kept in its state backend."""

    def __init__(self, store: RequestStore,
                 before_read: Callable[[], object] = lambda: None) -> None:
        self._store = store
        self._before_read = before_read  # the journal's: held counts are written first
        # The operations of openapi.yaml, in the spec's order (set by create_app): the
        # report lists the ones never called.
        self.spec_operations: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        self._before_read()
        return self._store.coverage_counts()

    def clear(self) -> None:
        self._before_read()
        self._store.coverage_clear()

    def report(self, workspace_id: str | None = None) -> dict[str, Any]:
        return coverage_report(self.counts(), self.spec_operations, workspace_id)


def coverage_report(counts: Mapping[str, int], spec_operations: Sequence[str],
                    workspace_id: str | None = None) -> dict[str, Any]:
    """The report: in total (or for one workspace) and, in total, per workspace."""
    per_workspace: dict[str, dict[str, dict[str, Any]]] = {}
    for key, hits in sorted(counts.items()):
        kind, workspace, operation, *rest = json.loads(key)
        if workspace_id is not None and workspace != workspace_id:
            continue
        stats = per_workspace.setdefault(workspace, {}).setdefault(operation, _empty())
        _count(stats, kind, rest, hits)
    total: dict[str, dict[str, Any]] = {}
    for operations in per_workspace.values():
        for operation, stats in operations.items():
            _add(total.setdefault(operation, _empty()), stats)
    report = _summary(total, spec_operations)
    if workspace_id is None:
        report["workspaces"] = {
            workspace: _summary(operations, spec_operations, with_missing=False)
            for workspace, operations in sorted(per_workspace.items())}
    else:
        report["workspace_id"] = workspace_id
    return report


def _empty() -> dict[str, Any]:
    return {"calls": 0, "statuses": {}, "client_errors": dict.fromkeys(ATTRIBUTIONS, 0),
            "validation_failures": {}}


def _count(stats: dict[str, Any], kind: str, rest: list[Any], hits: int) -> None:
    if kind == _CALL:
        status, blame = str(rest[0]), rest[1]
        stats["calls"] += hits
        stats["statuses"][status] = stats["statuses"].get(status, 0) + hits
        if blame in stats["client_errors"]:
            stats["client_errors"][blame] += hits
    elif kind == _FAILURE:
        failure = Failure(*rest)
        stats["validation_failures"][failure] = stats["validation_failures"].get(failure, 0) + hits


def _add(into: dict[str, Any], stats: dict[str, Any]) -> None:
    into["calls"] += stats["calls"]
    for status, hits in stats["statuses"].items():
        into["statuses"][status] = into["statuses"].get(status, 0) + hits
    for blame, hits in stats["client_errors"].items():
        into["client_errors"][blame] += hits
    for failure, hits in stats["validation_failures"].items():
        into["validation_failures"][failure] = into["validation_failures"].get(failure, 0) + hits


def _summary(operations: Mapping[str, dict[str, Any]], spec_operations: Sequence[str],
             with_missing: bool = True) -> dict[str, Any]:
    known = set(spec_operations)
    covered = [op for op in spec_operations if operations.get(op, {}).get("calls")]
    summary: dict[str, Any] = {
        "requests": sum(stats["calls"] for stats in operations.values()),
        "operations_in_spec": len(spec_operations),
        "operations_covered": len(covered),
        "client_errors": {blame: sum(s["client_errors"][blame] for s in operations.values())
                          for blame in ATTRIBUTIONS},
        "operations": {op: _wire(operations[op]) for op in _ordered(operations, spec_operations)},
    }
    if with_missing:
        summary["operations_not_called"] = [op for op in spec_operations if op not in covered]
        summary["other_operations"] = sorted(op for op in operations if op not in known)
    return summary


def _ordered(operations: Mapping[str, Any], spec_operations: Sequence[str]) -> list[str]:
    """The spec's operations in its order, then the others (file links, unmatched) by name."""
    known = [op for op in spec_operations if op in operations]
    return known + sorted(op for op in operations if op not in set(spec_operations))


def _wire(stats: dict[str, Any]) -> dict[str, Any]:
    failures = sorted(stats["validation_failures"].items(),
                      key=lambda item: (-item[1], item[0].field, item[0].rule, item[0].message))
    return {
        "calls": stats["calls"],
        "statuses": dict(sorted(stats["statuses"].items())),
        "client_errors": stats["client_errors"],
        "validation_failures": [{**failure.to_wire(), "count": hits}
                                for failure, hits in failures],
    }
