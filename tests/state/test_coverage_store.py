"""The coverage counters of every state backend (memory, SQLite, Redis): shared by every
handle on one log, independent of the journal's bound, cleared only when asked."""

from __future__ import annotations

from collections.abc import Callable

from mockserver.recording.journal import Journal, JournalFilter
from mockserver.recording.store import RequestStore

ENTRY = {"at": "2026-11-01T10:00:00Z", "method": "GET", "path": "/api/v1/workflows",
         "query": "", "operation_id": "list_workflows", "workspace_id": "ws-1",
         "request_id": None, "duration_ms": 1.0}


def test_counters_add_up_across_handles(open_requests: Callable[..., RequestStore]) -> None:
    first, second = open_requests(), open_requests()
    first.coverage_add(["a", "b"])
    second.coverage_add(["a"])
    assert first.coverage_counts() == {"a": 2, "b": 1}
    assert second.coverage_counts() == {"a": 2, "b": 1}
    second.coverage_clear()
    assert first.coverage_counts() == {}


def test_coverage_outlives_a_rotating_journal(open_requests: Callable[..., RequestStore]) -> None:
    """A journal of 3 entries keeps 3; the coverage still counts all 10 requests, and a
    journal clear (as a full reset does) leaves it alone."""
    journal = Journal(open_requests(journal_size=3), 3)
    for _ in range(7):
        journal.record(**ENTRY, status=200)
    failure = {"field": "limit", "rule": "minimum", "message": "too small"}
    for _ in range(3):
        journal.record(**ENTRY, status=422, attribution="spec_violation",
                       validation="failed", validation_failures=[failure])
    journal.clear()
    journal.coverage.spec_operations = ("list_workflows", "get_workflow")
    report = journal.coverage.report()
    listing = report["operations"]["list_workflows"]
    assert report["requests"] == 10
    assert listing["statuses"] == {"200": 7, "422": 3}
    assert listing["client_errors"]["spec_violation"] == 3
    assert listing["validation_failures"] == [{**failure, "count": 3}]
    assert report["operations_not_called"] == ["get_workflow"]
    assert report["workspaces"]["ws-1"]["requests"] == 10


def test_one_record_journals_and_counts_for_every_handle(
        open_requests: Callable[..., RequestStore]) -> None:
    """A request's entry and counts reach every handle: a read through another handle's
    journal has the writer's held entries written first."""
    writer, reader = open_requests(), open_requests()
    Journal(writer, 100).record(**ENTRY, status=200)
    reading = Journal(reader, 100)
    entries = reading.find(JournalFilter(), 100)
    assert [(e.path, e.status) for e in entries] == [("/api/v1/workflows", 200)]
    assert reader.coverage_counts() == writer.coverage_counts() != {}
    assert reading.coverage.counts() == writer.coverage_counts()


def test_a_journal_of_size_zero_still_counts(open_requests: Callable[..., RequestStore]) -> None:
    state = open_requests(journal_size=0)
    journal = Journal(state, 0)
    journal.record(**ENTRY, status=404)
    report = journal.coverage.report()
    assert state.journal_entries() == []
    assert report["requests"] == 1
    assert report["operations"]["list_workflows"]["statuses"] == {"404": 1}
