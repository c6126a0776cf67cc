"""Response-space coverage of the seeded dataset (issue 12).

A client is only tested on what the mock sends it. One crawl (see ``seed_crawl``) reads
every GET operation over both demo workspaces; these tests hold the bar on what it saw,
so a change that stops generating a shape fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from response_coverage import BAR, Coverage

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize("kind", sorted(BAR))
def test_coverage_reaches_the_bar(coverage: Coverage, kind: str) -> None:
    """Each kind of slot is seen at least as often as the bar asks."""
    possible, seen, allowed = coverage.of(kind)
    assert possible > 0
    floor = BAR[kind] * possible - allowed  # allow-listed gaps count against a 100% bar
    assert seen >= floor, f"{kind}: {seen} of {possible} seen, bar {BAR[kind]:.0%}"


def test_every_gap_is_explained(coverage: Coverage) -> None:
    """A slot the crawl never fills is in the allow-list, with the reason it cannot appear."""
    assert coverage.unexplained() == []


def test_the_allow_list_names_only_open_gaps(coverage: Coverage) -> None:
    """An allow-list entry names a real slot that is still unseen (so the list stays true)."""
    assert coverage.stale_allowances() == []
    assert all(reason.strip() for reason in coverage.allowed.values())


def test_optional_properties_are_mostly_seen_not_excused(coverage: Coverage) -> None:
    """The 95% bar on optional properties counts slots actually seen, not allow-listed ones."""
    assert coverage.share("optional") >= BAR["optional"]


def test_the_crawl_reads_the_whole_dataset(coverage: Coverage) -> None:
    """Both workspaces, every run view and the error requests were all answered, and
    every body matched its schema (the crawl's app checks responses strictly)."""
    assert coverage.responses > 1500
    assert coverage.broken == []


def test_readme_shows_the_current_table(coverage: Coverage) -> None:
    """README.md carries the table this run measured (copy it from the failure if not)."""
    table = coverage.table()
    assert table.split("\n\n")[0] in README.read_text(encoding="utf-8"), "\n" + table
