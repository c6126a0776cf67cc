"""One request and its response as seen on the wire, and what a check found in it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Exchange:
    operation: str  # the operation's label, e.g. "GET /api/v1/workflows/{workflow_id}"
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int
    response_headers: dict[str, str]  # lower-case names
    response_body: bytes

    @property
    def media_type(self) -> str:
        return self.response_headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query, keep_blank_values=True)

    def json(self) -> Any:
        """The parsed body, or None when it is not JSON."""
        try:
            return json.loads(self.response_body)
        except ValueError:
            return None


@dataclass(frozen=True)
class Finding:
    """One way a response differs from the contract."""

    operation: str
    check: str  # "response schema", "error envelope", "pagination", "auth", ...
    message: str
    schema_path: str = ""
    exchange: Exchange | None = field(default=None, compare=False)

    @property
    def key(self) -> tuple[str, str, str]:
        """Findings that differ only in numbers (a total, an index) are one drift."""
        return (self.operation, self.check, _DIGITS.sub("#", self.message))
