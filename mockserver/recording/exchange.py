"""One answered request as the journal receives it: what the request and its answer were,
taken as they are (references and small copies, a few microseconds), and turned into a
journal entry (masked headers and bodies, the validation outcome, the coverage keys) only
when the journal is written, which under load is rarely (``write_behind.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from werkzeug.datastructures import EnvironHeaders

from ..envelope import iso
from .capture import captured_body, captured_headers
from .coverage import Failure, attribution, counter_keys
from .journal import VALIDATION_FAILED, VALIDATION_NOT_CHECKED, VALIDATION_PASSED


class ValidationDetail(Protocol):  # read only: ``errors.Detail`` is frozen
    @property
    def field(self) -> str: ...
    @property
    def rule(self) -> str: ...
    @property
    def message(self) -> str: ...


def header_environ(environ: dict[str, Any]) -> dict[str, Any]:
    """The part of a WSGI environ its headers are read from, in the same order."""
    return {key: value for key, value in environ.items()
            if key.startswith(("HTTP_", "CONTENT_"))}


@dataclass(slots=True)
class Exchange:
    at: datetime
    method: str
    path: str
    query: bytes
    status: int
    operation_id: str | None
    workspace_id: str | None
    request_id: str | None
    duration_ms: float
    worker: int
    request_headers: dict[str, Any]  # header_environ() of the request
    request_body: bytes
    request_type: str | None
    response_headers: list[tuple[str, str]]
    response_body: tuple[bytes, ...] | None  # its pieces; None: not read (streamed, a file)
    response_type: str | None
    compact_json: bool  # the mock encoded the body itself
    validation: Sequence[ValidationDetail] | None  # None: answered before validation
    forced: bool  # the client asked for this answer (a fault, Prefer: code=)

    def held_buffers(self) -> tuple[bytes, ...]:
        return (self.request_body, *(self.response_body or ()))

    def _failures(self) -> list[Failure]:
        return [Failure(d.field, d.rule, d.message) for d in self.validation or ()]

    def _attribution(self, failures: list[Failure]) -> str | None:
        return attribution(self.status, self.forced, failures, self.operation_id)

    def entry(self) -> dict[str, Any]:
        failures = self._failures()
        if self.validation is None:
            outcome = VALIDATION_NOT_CHECKED
        else:
            outcome = VALIDATION_FAILED if failures else VALIDATION_PASSED
        return {
            "at": iso(self.at), "method": self.method, "path": self.path,
            "query": self.query.decode("latin-1"), "status": self.status,
            "operation_id": self.operation_id, "workspace_id": self.workspace_id,
            "request_id": self.request_id, "duration_ms": self.duration_ms,
            "worker": self.worker,
            "request_headers": captured_headers(EnvironHeaders(self.request_headers).items()),
            "request_body": captured_body(self.request_body, self.request_type),
            "response_headers": captured_headers(self.response_headers),
            "response_body": ("" if self.response_body is None else captured_body(
                b"".join(self.response_body), self.response_type,
                compact_json=self.compact_json)),
            "validation": outcome,
            "validation_failures": [f.to_wire() for f in failures],
            "attribution": self._attribution(failures),
        }

    def coverage_keys(self) -> list[str]:
        failures = self._failures()
        return counter_keys(self.workspace_id, self.operation_id, self.status,
                            self._attribution(failures), failures)
