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
        exclude_prefixes=tuple(_listed(query.get("exclude_path"))),
    )


def _listed(value: Any) -> list[str]:
    """A repeated or comma-separated query parameter, without empty items."""
    items = value if isinstance(value, list) else [value] if value is not None else []
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]
