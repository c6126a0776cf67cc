"""Fault injection and delay settings that can change while the mock runs.

They start from ``Settings`` (the command line) and the console or
``POST /__mock/faults`` changes them; a full reset returns to the startup values.
"""

from __future__ import annotations

import dataclasses
import threading
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
    def __init__(self, settings: Settings) -> None:
        self._startup = FaultPlan(settings.fault_rate, settings.fault_status,
                                  settings.slow_rate, settings.slow_ms, settings.drop_rate)
        self._plan = self._startup
        self._lock = threading.Lock()

    @property
    def plan(self) -> FaultPlan:
        return self._plan

    def update(self, changes: dict[str, Any]) -> FaultPlan:
        """Apply already-validated changes (unknown keys are refused by the spec)."""
        with self._lock:
            self._plan = dataclasses.replace(self._plan, **changes)
            return self._plan

    def restore(self) -> None:
        with self._lock:
            self._plan = self._startup
