"""Billing records a finished seeded run may have lost (issue 12's response space).

The real API reads a run's spend from two back-end records: one usage record per node
execution (the ledger rows of the analysis) and one settlement per run (what the balance
was debited). Either can go missing; a client must cope. A small, fixed share of finished
seeded runs shows each gap. Each run draws from its own stream, keyed by its id, so
the gap of one run never depends on which other runs were generated. Runs started through
the API never lose a record.
"""

from __future__ import annotations

from ..rng import rng

__all__ = ["SETTLEMENT_MISSING", "USAGE_MISSING", "seeded_billing_gap"]

# One node's usage record is gone: its ledger row reads "missing", its spend unattributed.
USAGE_MISSING = "usage_missing"
# The run's settlement is gone: nothing says what was debited, so ``credits`` stays null.
SETTLEMENT_MISSING = "settlement_missing"
_SHARES = ((SETTLEMENT_MISSING, 0.04), (USAGE_MISSING, 0.04))
_FINISHED = frozenset({"completed", "failed", "cancelled"})


def seeded_billing_gap(seed: int, run_id: str, status: str) -> str | None:
    """The billing record a seeded run that ends in ``status`` has lost, if any."""
    if status not in _FINISHED:
        return None
    roll, total = rng(seed, "billing-gap", run_id).random(), 0.0
    for gap, share in _SHARES:
        total += share
        if roll < total:
            return gap
    return None
