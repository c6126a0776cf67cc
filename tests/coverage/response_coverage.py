"""The coverage measure: possible slots, slots the crawl filled, and the allowed gaps."""

from __future__ import annotations

from dataclasses import dataclass, field

from allowed_gaps import ALLOWED_GAPS, ALLOWED_STATUSES
from flask import Flask
from seed_crawl import Crawler, Exchange
from shape_census import KINDS, Census, Slot

from mockserver.app import mock_of
from mockserver.spec import Spec

# The bar (issue 12): every enum value, branch and status; 95% of optional properties.
BAR = {"optional": 0.95, "enum": 1.0, "branch": 1.0, "status": 1.0}


@dataclass
class Coverage:
    possible: set[Slot]
    seen: set[Slot]
    responses: int
    broken: list[str]  # requests the strict app answered with a 5xx (a shape off the spec)
    allowed: dict[str, str] = field(default_factory=lambda: dict(ALLOWED_GAPS))

    def of(self, kind: str) -> tuple[int, int, int]:
        """(possible, seen, allowed) slot counts of one kind."""
        possible = {s for s in self.possible if s.kind == kind}
        seen = possible & self.seen
        allowed = {s for s in possible - seen if str(s) in self.allowed}
        return len(possible), len(seen), len(allowed)

    def share(self, kind: str) -> float:
        possible, seen, _ = self.of(kind)
        return seen / possible if possible else 1.0

    def unexplained(self) -> list[str]:
        """Slots never seen and not in the allow-list."""
        return sorted(str(s) for s in self.possible - self.seen if str(s) not in self.allowed)

    def stale_allowances(self) -> list[str]:
        """Allow-list entries that name a slot that is seen after all, or does not exist."""
        open_gaps = {str(s) for s in self.possible - self.seen}
        return sorted(name for name in self.allowed if name not in open_gaps)

    def table(self) -> str:
        rows = ["| slot kind | possible | seen | allow-listed | seen share | bar |",
                "|---|---:|---:|---:|---:|---|"]
        for kind in KINDS:
            possible, seen, allowed = self.of(kind)
            rows.append(f"| {kind} | {possible} | {seen} | {allowed} | "
                        f"{100 * self.share(kind):.1f}% | {_BAR_TEXT[kind]} |")
        schemas = {s.schema for s in self.seen if s.kind != "status"}
        rows.append(f"\n{self.responses} responses crawled; {len(schemas)} response schemas "
                    "reached.")
        return "\n".join(rows)


_BAR_TEXT = {kind: f"{100 * share:.0f}% seen, the rest allow-listed" if share < 1
             else "every slot seen or allow-listed" for kind, share in BAR.items()}


def _fault_only(possible: set[Slot]) -> dict[str, str]:
    """Allow-list entries for the fault-only statuses, per operation that documents them."""
    return {str(s): ALLOWED_STATUSES[s.item] for s in possible
            if s.kind == "status" and s.item in ALLOWED_STATUSES}


def measure(app: Flask) -> Coverage:
    spec: Spec = mock_of(app).spec
    census = Census(spec)
    operations = {op.operation_id: op for op in spec.operations
                  if op.method == "GET" and not op.path.startswith("/__mock")}
    possible: set[Slot] = set()
    for operation in operations.values():
        for code in operation.raw.get("responses", {}):
            possible.add(Slot("status", operation.operation_id, str(code)))
            pointer = census.response_pointer(operation, int(code))
            if pointer is not None:
                possible.update(census.possible(pointer))
    exchanges = Crawler(app).crawl()
    for exchange in exchanges:
        operation = operations[exchange.operation_id]
        census.seen.add(Slot("status", operation.operation_id, str(exchange.status)))
        pointer = census.response_pointer(operation, exchange.status)
        if pointer is not None and exchange.body is not None:
            census.observe(pointer, exchange.body)
    broken = [f"{e.operation_id} {e.status}: {e.body}" for e in exchanges
              if e.status >= 500 and not _not_ready(e)]
    seen = census.seen & possible
    allowed = {**ALLOWED_GAPS, **{k: v for k, v in _fault_only(possible).items()
                                  if k not in {str(s) for s in seen}}}
    return Coverage(possible, seen, len(exchanges), broken, allowed)


def _not_ready(exchange: Exchange) -> bool:
    """A documented 503 the data earns (a voice not yet analysed), not a broken answer."""
    error = (exchange.body or {}).get("error") or {}
    return exchange.status == 503 and error.get("code") == "SERVICE_UNAVAILABLE"
