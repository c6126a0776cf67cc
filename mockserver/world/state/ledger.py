"""The credit ledger of a workspace (each workspace is its own billing account).

What the account holds is never stored as a running total: it is folded, like a run's
status, from what the events decided (the opening balance and when it was set, which runs
bill the account) and each run's lifecycle at ``now``. So every worker, and every reader
(``/users/me/credits``, the estimate's and preview's ``current_balance``, the start-run
402 gate), sees the same figure at the same instant, with no background thread.

- The opening balance is the fixture's ``credit_balance`` (or the control API's
  ``POST /__mock/workspaces/{id}/billing``, which also moves the anchor to its instant).
- A run bills the account when it was started through the API, or is a seeded run a
  control brought back to life (appliers add it to ``LedgerBook.runs``). The seeded
  history is already reflected in the opening balance.
- It is debited its settled credits (``RunRecord`` -> ``Progress.settled_credits``) at
  the instant it settled; setting a balance drops the runs already settled by then.
  Failed and cancelled runs settle what their completed steps spent, as pricing decides.
- The balance never goes below zero: what runs spend beyond it is overage, billed at the
  plan's rate when it has one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from ..runs.record import RunRecord
from .plans import PLANS, Plan

if TYPE_CHECKING:
    from .store import WorkspaceState


@dataclass
class LedgerBook:
    """What the events decided about one account; changed only by appliers."""

    anchor: datetime | None = None  # when the opening balance was set (None: at the start)
    runs: list[tuple[str, str]] = field(default_factory=list)  # (workflow, run) that bill it
    _billed: set[str] = field(default_factory=set)

    def bill(self, workflow_id: str, run_id: str) -> None:
        if run_id not in self._billed:
            self._billed.add(run_id)
            self.runs.append((workflow_id, run_id))

    def open_at(self, at: datetime, settled: set[str]) -> None:
        """A new opening balance from ``at``: runs already ``settled`` then no longer count
        (decided by event order, so a run settled in the same instant, earlier, is out)."""
        self.anchor = at
        self.runs = [(w, r) for w, r in self.runs if r not in settled]
        self._billed -= settled


@dataclass(frozen=True)
class Debit:
    run: RunRecord
    credits: int
    settled_at: datetime
    absorbed: float  # the fraction of a credit the settlement's floor did not charge


@dataclass(frozen=True)
class LedgerReading:
    """The account at one instant."""

    plan: Plan
    opening: int
    anchor: datetime | None
    debits: tuple[Debit, ...]

    @property
    def spent(self) -> int:
        return sum(d.credits for d in self.debits)

    @property
    def balance(self) -> int:
        return max(0, self.opening - self.spent)

    @property
    def overage_credits(self) -> int:
        return max(0, self.spent - self.opening)

    @property
    def overage_cents(self) -> int | None:
        rate = self.plan.overage_rate_cents_per_credit
        return None if rate is None else math.ceil(round(self.overage_credits * rate, 6))

    def spent_since(self, start: datetime | None) -> int:
        return sum(d.credits for d in self.debits if start is None or d.settled_at >= start)

    def absorbed_since(self, start: datetime | None) -> float:
        return round(sum(d.absorbed for d in self.debits
                         if start is None or d.settled_at >= start), 4)


def read_ledger(state: WorkspaceState, now: datetime) -> LedgerReading:
    """The account of ``state``'s workspace at ``now``."""
    book = state.ledger
    debits = []
    for workflow_id, run_id in book.runs:
        run = state.runs.find(workflow_id, run_id)
        if run is None:
            continue
        timeline = run.timeline(now)
        if not timeline.terminal or timeline.completed_at is None:
            continue
        progress = run.progress(timeline)
        debits.append(Debit(run, progress.settled_credits() or 0, timeline.completed_at,
                            progress.credits_absorbed()))
    return LedgerReading(PLANS[state.info.plan], state.info.credit_balance, book.anchor,
                         tuple(debits))
