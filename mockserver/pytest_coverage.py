"""The API coverage of a pytest session: collected from every mock the session started,
merged across pytest-xdist workers, printed at the end and written with
``--onepin-mock-coverage=FILE``.

Each server's raw counters (``MockServer.coverage_counts()``) are added up before the
report is built, so a session split over workers reports exactly what one process would.
Under xdist each worker hands its counters to the controller in ``workeroutput``; the
controller alone prints and writes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .recording.coverage import (
    ATTRIBUTIONS,
    CONTRACT_RULE,
    FORCED,
    SPEC_VIOLATION,
    coverage_report,
    merge_counts,
)

if TYPE_CHECKING:
    from .testing import MockServer

OPTION = "--onepin-mock-coverage"
_WORKER_KEY = "onepin_mock_coverage"
_SHOWN_FAILURES = 20
_LABELS = {SPEC_VIOLATION: "spec violations (client bugs)", CONTRACT_RULE: "contract rules",
           FORCED: "forced"}


class SessionCoverage:
    """What the mocks of this process (and, on the controller, its workers) counted."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.spec_operations: tuple[str, ...] = ()

    def add_server(self, server: MockServer) -> None:
        self.add(server.coverage_counts(), server.spec_operations)

    def add(self, counts: dict[str, int], spec_operations: tuple[str, ...] | list[str]) -> None:
        self.counts = merge_counts(self.counts, counts)
        self.spec_operations = self.spec_operations or tuple(spec_operations)

    def to_wire(self) -> str:
        return json.dumps({"counts": self.counts, "spec_operations": self.spec_operations})

    def add_wire(self, text: str) -> None:
        item = json.loads(text)
        self.add(item["counts"], item["spec_operations"])

    def report(self) -> dict[str, Any]:
        return coverage_report(self.counts, self.spec_operations)


_STASH = pytest.StashKey[SessionCoverage]()


def session_coverage(config: pytest.Config) -> SessionCoverage:
    return config.stash.setdefault(_STASH, SessionCoverage())


def add_option(parser: pytest.Parser) -> None:
    parser.getgroup("onepin-mock").addoption(
        OPTION, metavar="FILE", default=None,
        help="write the API coverage of this session (operations, statuses, request-validation "
             "failures, 4xx attribution) as JSON to FILE; merged across pytest -n workers")


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


def session_finished(session: pytest.Session) -> None:
    """On an xdist worker: hand the counters to the controller."""
    config = session.config
    if _is_worker(config):
        config.workeroutput[_WORKER_KEY] = session_coverage(config).to_wire()  # type: ignore[attr-defined]


def worker_finished(node: Any) -> None:
    """On the xdist controller: merge what one worker counted."""
    text = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
    if text:
        session_coverage(node.config).add_wire(text)


def terminal_summary(reporter: Any, config: pytest.Config) -> None:
    if _is_worker(config):
        return
    coverage = session_coverage(config)
    if not coverage.spec_operations:
        return  # no test used the mock
    report = coverage.report()
    path = config.getoption(OPTION)
    if path:
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    reporter.write_sep("=", "onepin-mock API coverage")
    for line in summary_lines(report):
        reporter.write_line(line)
    if path:
        reporter.write_line(f"coverage JSON written to {path}")


def summary_lines(report: dict[str, Any]) -> list[str]:
    """The terminal summary: coverage, statuses per operation, client bugs, never called."""
    covered, total = report["operations_covered"], report["operations_in_spec"]
    errors = report["client_errors"]
    share = f"{100 * covered / total:.0f}%" if total else "-"
    lines = [f"onepin-mock API coverage: {covered} of {total} operations in openapi.yaml "
             f"({share}), {report['requests']} requests",
             "4xx answers: " + ", ".join(f"{errors[a]} {_LABELS[a]}" for a in ATTRIBUTIONS)]
    operations = report["operations"]
    width = max((len(op) for op in operations), default=0)
    for operation, stats in operations.items():
        statuses = " ".join(f"{status}x{hits}" for status, hits in stats["statuses"].items())
        lines.append(f"  {operation.ljust(width)}  {statuses}")
    failures = [(op, f) for op, stats in operations.items()
                for f in stats["validation_failures"]]
    if failures:
        lines.append(f"requests that broke openapi.yaml ({errors[SPEC_VIOLATION]} answers):")
        lines.extend(f"  {op}: {f['field']} [{f['rule']}] {f['message']} (x{f['count']})"
                     for op, f in failures[:_SHOWN_FAILURES])
        if len(failures) > _SHOWN_FAILURES:
            lines.append(f"  ... and {len(failures) - _SHOWN_FAILURES} more (see the JSON report)")
    missing = report["operations_not_called"]
    if missing:
        lines.append(f"never called ({len(missing)}): " + ", ".join(missing))
    return lines
