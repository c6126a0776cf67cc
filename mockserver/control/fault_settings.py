"""Fault injection and delay settings that can change while the mock runs.

They start from ``Settings`` (the command line); the console or ``POST /__mock/faults``
changes them through the state log (a ``faults.set`` event), so every worker process and
every instance sharing the log injects the same faults; a full reset returns to the
startup values.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..settings import Settings


@dataclass(frozen=True)
class FaultPlan:
    fault_rate: float = 0.0
    fault_status: int = 503
    slow_rate: float = 0.0
    slow_ms: int = 2000
    drop_rate: float = 0.0
    delay_ms: int = 0  # added to every API answer

    @property
    def draws(self) -> bool:
        """Whether any share of requests is to be failed, slowed or dropped."""
        return bool(self.fault_rate or self.slow_rate or self.drop_rate)

    def to_wire(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class RuntimeFaults:
    """The startup plan with the changes the state holds now (``World.fault_changes``)."""

    def __init__(self, settings: Settings, changes: Callable[[], dict[str, Any]]) -> None:
        self._startup = FaultPlan(settings.fault_rate, settings.fault_status,
                                  settings.slow_rate, settings.slow_ms, settings.drop_rate)
        self._changes = changes
        self._cached: tuple[dict[str, Any], FaultPlan] = ({}, self._startup)

    @property
    def plan(self) -> FaultPlan:
        changes = self._changes()
        seen, plan = self._cached
        if changes is not seen:  # appliers replace the dict, so identity says "changed"
            plan = dataclasses.replace(self._startup, **changes)
            self._cached = (changes, plan)
        return plan
