"""Event files for replay: what ``GET /__mock/events`` returns, saved as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ...errors import EventFileError
from .base import Event


def events_document(events: list[Event]) -> dict[str, Any]:
    return {"head": events[-1].seq if events else 0, "events": [e.to_wire() for e in events]}


def read_events(path: Path) -> list[Event]:
    """Accepts the body of ``GET /__mock/events`` as saved (with or without its envelope)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EventFileError(f"{path}: cannot read the events file ({exc})") from exc
    if isinstance(document, dict) and isinstance(document.get("data"), dict):
        document = document["data"]
    items = document.get("events") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise EventFileError(f"{path}: expected {{\"events\": [...]}} as /__mock/events returns")
    try:
        events = [Event.from_wire(item) for item in items]
    except (KeyError, TypeError, ValueError) as exc:
        raise EventFileError(f"{path}: an event lacks seq, kind or data ({exc})") from exc
    if [e.seq for e in events] != list(range(1, len(events) + 1)):
        raise EventFileError(f"{path}: events must be numbered 1, 2, 3, … without gaps")
    return events
