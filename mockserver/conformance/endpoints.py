"""Endpoint templates such as ``GET /api/v1/workflows/{workflow_id}`` and matching them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_PLACEHOLDER = re.compile(r"\{[^/{}]+\}")


@dataclass(frozen=True)
class Request:
    """One HTTP request a client made: method and path (no query string)."""

    method: str
    path: str
    status: int | None = None

    def __str__(self) -> str:
        suffix = f" -> {self.status}" if self.status is not None else ""
        return f"{self.method} {self.path}{suffix}"


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str
    _pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = _PLACEHOLDER.split(self.template)
        regex = "[^/]+".join(re.escape(part) for part in parts)
        object.__setattr__(self, "_pattern", re.compile(f"^{regex}$"))

    @classmethod
    def parse(cls, text: str) -> Endpoint:
        method, _, template = text.partition(" ")
        return cls(method.upper(), template)

    def matches(self, request: Request) -> bool:
        return request.method == self.method and bool(self._pattern.match(request.path))

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


def parse_all(texts: tuple[str, ...]) -> tuple[Endpoint, ...]:
    return tuple(Endpoint.parse(text) for text in texts)


def describe(endpoints: tuple[Endpoint, ...]) -> str:
    return " + ".join(str(e) for e in endpoints) if endpoints else "(no request)"


def mismatch(expected: tuple[Endpoint, ...], seen: list[Request]) -> str | None:
    """Why ``seen`` is not exactly a use of ``expected`` (each used, nothing else), or None."""
    unexpected = [r for r in seen if not any(e.matches(r) for e in expected)]
    if unexpected:
        return "unexpected request(s): " + ", ".join(str(r) for r in unexpected)
    unused = [e for e in expected if not any(e.matches(r) for r in seen)]
    if unused:
        return "endpoint not called: " + ", ".join(str(e) for e in unused)
    return None
