"""What the mock learned about the request it is answering, in one typed record.

The app's first ``before_request`` hook begins a record, the pipeline fills it as its
stages learn things (which operation, the request id, the workspace, the body it read, the
validation outcome, whether the client forced the answer), and the ``after_request`` hook
that writes the access log and the journal reads it. It lives in a context variable, so
concurrent requests (threads of one process) each see their own; the teardown hook puts
back what was there before, so a record never outlives its request.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from contextvars import ContextVar, Token
from dataclasses import dataclass, field

from .errors import Detail


@dataclass(slots=True)
class RequestRecord:
    started: float = field(default_factory=time.perf_counter)  # perf_counter() seconds
    operation_id: str | None = None  # None: no operation matched (404, 405, a page)
    request_id: str | None = None  # the meta.request_id of the answer
    workspace_id: str | None = None  # the caller's workspace, once authorized
    request_body: bytes = b""  # the body as read (the stream can be read only once)
    validation: Sequence[Detail] | None = None  # None: answered before validation ran
    forced: bool = False  # decided by an override or a fault, not by the handler
    # What the context variable held before this record, put back when the request ends.
    previous: Token[RequestRecord | None] | None = field(default=None, repr=False)


_CURRENT: ContextVar[RequestRecord | None] = ContextVar("onepin_request_record", default=None)


def begin() -> RequestRecord:
    """A new record for the request starting now; ``end`` closes it."""
    record = RequestRecord()
    record.previous = _CURRENT.set(record)
    return record


def current() -> RequestRecord:
    """The record of the request being answered. Where nothing began one (a view called
    without the app's hooks), a record of its own that nothing keeps."""
    record = _CURRENT.get()
    return record if record is not None else RequestRecord()


def end() -> None:
    """Close the current record: the variable holds again what it held before it."""
    record = _CURRENT.get()
    if record is not None and record.previous is not None:
        _CURRENT.reset(record.previous)
