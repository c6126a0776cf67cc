"""JSON-schema format checks with the API's own rules.

``date-time`` must carry a UTC offset (a naive datetime is a 422, workflows.md §3.1);
``uuid`` must be a canonical UUID string.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from jsonschema import FormatChecker

FORMAT_CHECKER = FormatChecker(formats=())


def parse_zoned_datetime(value: str) -> datetime:
    """Parse an ISO-8601 datetime that must carry an offset; raise ValueError otherwise."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("datetime must carry a UTC offset")
    return parsed


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_zoned_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if "T" not in value.upper():
        raise ValueError("expected a date and a time")
    parse_zoned_datetime(value)
    return True


@FORMAT_CHECKER.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return str(uuid.UUID(value)) == value.lower() and len(value) == 36
