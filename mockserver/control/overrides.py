"""Per-request overrides and fault injection.

- ``Prefer: code=404`` / ``Prefer: example=NAME`` / ``Prefer: dynamic=true`` (Prism's
  header, so tests can switch tools without rewrites);
- ``X-Mock-Delay: 250ms`` (or ``1.5s``, or plain milliseconds);
- faults from settings (a share of requests) or from ``X-Mock-Fault: status=503``,
  ``X-Mock-Fault: slow=2000`` or ``X-Mock-Fault: drop``.

Fault decisions are seeded per request signature and occurrence: the k-th identical
request fails the same way in every run with the same seed, however other requests
interleave.

Every delay is clamped to ``Settings.max_delay_ms``, and an injected status (a fault's or
``Prefer: code``) must be an error (4xx or 5xx): a forced 1xx would break the HTTP
exchange and a forced 2xx would claim work the handler never did. The override headers
are ASCII text or a 422.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import Detail, ValidationFailed
from ..settings import Settings
from .fault_settings import RuntimeFaults

PREFER_HEADER = "Prefer"
DELAY_HEADER = "X-Mock-Delay"
FAULT_HEADER = "X-Mock-Fault"
# Each override header and the WSGI environ key its value arrives under.
OVERRIDE_HEADERS = {name: "HTTP_" + name.upper().replace("-", "_")
                    for name in (PREFER_HEADER, DELAY_HEADER, FAULT_HEADER)}
# ASCII digits only: `\d` would also accept fullwidth and other Unicode digits.
_DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(ms|s)?\s*$")
_STATUS = re.compile(r"^[0-9]{3}$")
ERROR_STATUS = (400, 599)


@dataclass(frozen=True)
class Fault:
    kind: str  # status | slow | drop
    status: int = 503
    delay_ms: int = 0


@dataclass(frozen=True)
class Overrides:
    code: int | None = None
    example: str | None = None
    dynamic: bool = False
    delay_ms: int = 0
    fault: Fault | None = None

    def forces_answer(self) -> bool:
        """True when the answer is decided by a fault or ``Prefer: code``, not the handler."""
        kind = self.fault.kind if self.fault else None
        return kind in ("drop", "status") or (self.code is not None and self.code >= 400)

    def wait_ms(self, cap_ms: int) -> int:
        """How long to hold the answer: the delay plus a slow fault, never above the cap."""
        slow = self.fault.delay_ms if self.fault and self.fault.kind == "slow" else 0
        return min(self.delay_ms + slow, cap_ms)


NO_OVERRIDES = Overrides()


def parse_duration_ms(text: str, header: str, cap_ms: int) -> int:
    match = _DURATION.match(text)
    if not match:
        raise ValidationFailed(f"Bad {header} header",
                               [Detail(header, "expected a duration such as 250ms or 1.5s")])
    # float() of a thousand digits is inf, not an error: clamp before converting to int.
    value = float(match.group(1)) * (1000 if match.group(2) == "s" else 1)
    return int(min(value, cap_ms))


def parse_prefer(text: str) -> dict[str, str]:
    """``code=404, example=ok; dynamic=true`` -> {"code": "404", ...} (unknown keys kept)."""
    prefs = {}
    for token in re.split(r"[;,]", text):
        key, _, value = token.strip().partition("=")
        if key:
            prefs[key.strip().lower()] = value.strip().strip('"')
    return prefs


def _status(value: str, header: str, allowed: tuple[int, int] = ERROR_STATUS) -> int:
    low, high = allowed
    if not _STATUS.match(value) or not low <= int(value) <= high:
        shown = value if len(value) <= 12 else value[:9] + "..."
        raise ValidationFailed(f"Bad {header} header", [Detail(
            header, f"{shown!r} is not an HTTP status code from {low} to {high}")])
    return int(value)


def _ascii_header(headers: dict[str, str], name: str) -> str | None:
    """An override header's value; one that is empty or not ASCII is a 422 like any other
    garbage. (granian hands the app a value with non-ASCII bytes as an empty string, so
    the two cannot be told apart: both are refused.)"""
    value = headers.get(name)
    if value is None:
        return None
    if not value.strip() or not value.isascii():
        raise ValidationFailed(f"Bad {name} header", [Detail(
            name, "must be ASCII text, not empty (other bytes reach the mock as no text)")])
    return value


def _header_fault(text: str, cap_ms: int) -> Fault:
    prefs = parse_prefer(text)
    if "drop" in prefs:
        return Fault("drop")
    if "slow" in prefs:
        delay = parse_duration_ms(prefs["slow"] or "2000", FAULT_HEADER, cap_ms)
        return Fault("slow", delay_ms=delay)
    if "status" in prefs:
        return Fault("status", status=_status(prefs["status"], FAULT_HEADER))
    raise ValidationFailed(f"Bad {FAULT_HEADER} header",
                           [Detail(FAULT_HEADER, "use status=CODE, slow=DURATION or drop")])


class OverrideReader:
    """Reads a request's override headers and draws the seeded setting-driven faults."""

    def __init__(self, settings: Settings, fault_changes: Callable[[], dict[str, Any]]) -> None:
        self.settings = settings
        # What the console may change at run time (shared through the state log).
        self.faults = RuntimeFaults(settings, fault_changes)
        self._seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def read(self, headers: dict[str, str], signature: Callable[[], str]) -> Overrides:
        """``headers``: the override headers the request sent, by name. ``signature``: the
        request's method and path, asked for only when a fault is drawn."""
        prefs = parse_prefer(_ascii_header(headers, PREFER_HEADER) or "")
        # Only errors: a 2xx would skip the handler yet claim its work done (a run start
        # that started nothing), a 1xx or 3xx would break the exchange. A success body
        # without touching state is ``Prefer: example=``.
        code = _status(prefs["code"], PREFER_HEADER) if "code" in prefs else None
        delay = _ascii_header(headers, DELAY_HEADER)
        fault_text = _ascii_header(headers, FAULT_HEADER)
        cap = self.settings.max_delay_ms
        return Overrides(
            code=code, example=prefs.get("example") or None,
            dynamic=prefs.get("dynamic", "").lower() == "true",
            delay_ms=(parse_duration_ms(delay, DELAY_HEADER, cap) if delay
                      else self.faults.plan.delay_ms),
            fault=_header_fault(fault_text, cap) if fault_text else self._drawn_fault(signature),
        )

    def _drawn_fault(self, signature_of: Callable[[], str]) -> Fault | None:
        s = self.faults.plan
        if not s.draws:
            return None
        signature = signature_of()
        with self._lock:
            self._seen[signature] += 1
            occurrence = self._seen[signature]
        key = f"{self.settings.seed}|fault|{signature}|{occurrence}"
        digest = hashlib.sha256(key.encode()).digest()
        roll = int.from_bytes(digest[:8], "big") / 2**64
        if roll < s.drop_rate:
            return Fault("drop")
        if roll < s.drop_rate + s.fault_rate:
            return Fault("status", status=s.fault_status)
        if roll < s.drop_rate + s.fault_rate + s.slow_rate:
            return Fault("slow", delay_ms=min(s.slow_ms, self.settings.max_delay_ms))
        return None
