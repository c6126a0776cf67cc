"""Response envelopes: ``meta``, list ``pagination`` with links, and error bodies."""

from __future__ import annotations

import json
import os
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from ulid import ULIDGenerator

from . import process
from .errors import ApiError


# Records keep their instants, so the same ones are written again on every read: a list
# page writes about 60, at 2 microseconds each uncached (0.2 cached). Equal instants in
# other zones hash and compare equal, and give the same UTC text, so sharing is safe.
@lru_cache(maxsize=16384)
def iso(instant: datetime) -> str:
    """UTC ISO-8601 with a ``Z`` suffix and millisecond precision, as the API emits."""
    text = instant.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def truncate_ms(instant: datetime) -> datetime:
    """Drop sub-millisecond precision, so stored times equal what the wire shows."""
    return instant.replace(microsecond=instant.microsecond // 1000 * 1000)


def compact_json(value: Any) -> bytes:
    """The wire encoding of a JSON body: compact, key order kept, non-ASCII as UTF-8.
    Raises UnicodeEncodeError for lone surrogates (echoed from a request)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _RequestIds(process.PerProcess):
    """Request ids: ULIDs, unique and in order within a process, drawn from a generator
    seeded once per process. They need not be secret, and the library's default source,
    ``os.urandom``, makes a system call per millisecond that lets another worker thread
    take the interpreter lock in the middle of an answer (under load, each such hand-over
    is a context switch and a wait)."""

    def __init__(self) -> None:
        self._bits = random.Random(os.urandom(16))
        self.generator = ULIDGenerator(randomness=self._randomness)
        process.register(self)

    def _randomness(self, _millisecond: int) -> bytes:
        return self._bits.getrandbits(80).to_bytes(10, "big")

    def after_fork_in_child(self) -> None:
        # Forked workers would otherwise draw the same sequence as each other.
        self._bits.seed(os.urandom(16))


_REQUEST_IDS = _RequestIds()


def new_meta(now: datetime) -> dict[str, str]:
    return {"request_id": str(_REQUEST_IDS.generator.generate()), "timestamp": iso(now)}


def error_body(error: ApiError, meta: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.details:
        body["details"] = [detail.to_wire() for detail in error.details]
    body.update(error.extra)
    return {"error": body, "meta": meta}


@dataclass(frozen=True)
class PageRequest:
    """Where a list page starts and how long it is, plus what a link must repeat."""

    offset: int
    limit: int
    base_url: str
    query: tuple[tuple[str, str], ...]

    def link(self, offset: int) -> str:
        kept = [(k, v) for k, v in self.query if k not in ("offset", "limit")]
        kept += [("offset", str(offset)), ("limit", str(self.limit))]
        return f"{self.base_url}?{urlencode(kept)}"

    def pagination(self, total: int, *, counted: bool) -> dict[str, Any]:
        """Links are absolute URLs on the request's own path (conventions.md §4)."""
        has_next = self.offset + self.limit < total
        has_prev = self.offset > 0
        page: dict[str, Any] = {
            "next": self.link(self.offset + self.limit) if has_next else None,
            "prev": self.link(self._prev_offset(total)) if has_prev else None,
            "limit": self.limit,
        }
        if counted:
            page["total"] = total
        return page

    def _prev_offset(self, total: int) -> int:
        """One page back; from past the end, the last page that has items (or the first)."""
        if self.offset >= total:
            return ((total - 1) // self.limit) * self.limit if total else 0
        return max(0, self.offset - self.limit)
