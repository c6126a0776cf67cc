"""The shape of an SDK case: which method, which endpoint, how to call it, what to check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .scene import Scene


class CheckFailed(AssertionError):
    """A response that parsed but does not mean what the contract says."""


def expect(condition: object, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


@dataclass(frozen=True)
class Call:
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


class Kit:
    """What builders need besides the scene: typed request models of the SDK under test."""

    def __init__(self, types_module: Any) -> None:
        self._types = types_module

    def model(self, name: str, data: dict[str, Any]) -> Any:
        """``onepin.types.<name>`` built from ``data``; the plain dict if this SDK lacks it."""
        cls = getattr(self._types, name, None)
        return data if cls is None else cls.model_validate(data)


Build = Callable[[Scene, Kit], Call]
Check = Callable[[Any, Call, Scene], None]


@dataclass(frozen=True)
class SdkCase:
    method: str  # path on the client, e.g. "workflows.runs.start"
    endpoint: str  # e.g. "POST /api/v1/workflows/{workflow_id}/runs"
    build: Build
    check: Check
    credential: str = "key"  # "key" (demo API key) or "session" (a session JWT)


def no_args(scene: Scene, kit: Kit) -> Call:
    return Call()


def table(*cases: SdkCase) -> dict[str, SdkCase]:
    return {case.method: case for case in cases}
