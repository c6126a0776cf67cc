"""Turn the journal's query parameters into a filter."""

from __future__ import annotations

from typing import Any

from ..recording.journal import JournalFilter


def journal_filter(query: dict[str, Any]) -> JournalFilter:
    status = query.get("status")
    return JournalFilter(
        method=query.get("method"), path=query.get("path"),
        status=int(status) if status is not None else None,
        workspace_id=query.get("workspace_id"), operation_id=query.get("operation_id"),
        since=int(query.get("since", 0)),
    )
