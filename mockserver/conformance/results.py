"""A row of the conformance report, and the JSON document workers print."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

PASS, FAIL, ABSENT, GAP = "pass", "fail", "absent", "gap"
"""``absent``: a case for a method this SDK version does not have. ``gap``: a documented
limit of the mock (the case checks that the client fails the known way)."""


@dataclass(frozen=True)
class Result:
    kind: str  # "sdk" or "cli"
    target: str  # e.g. "onepin 0.16.1"
    name: str  # "OnePinClient.workflows.list" or "workflows runs list"
    endpoint: str
    status: str
    reason: str = ""
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status == FAIL


Progress = Callable[["Result"], None]


def dumps(results: Iterable[Result]) -> str:
    return json.dumps({"results": [asdict(r) for r in results]}, indent=1)


def loads(text: str) -> list[Result]:
    document: Any = json.loads(text)
    return [Result(**row) for row in document["results"]]


def failure(kind: str, target: str, name: str, reason: str) -> Result:
    """A row for a matrix that could not run at all."""
    return Result(kind, target, name, "-", FAIL, reason)


def by_name(results: Iterable[Result]) -> dict[str, Result]:
    return {r.name: r for r in results}
