"""One crawl of the seeded dataset per session, shared by every coverage test.

The crawl takes a few seconds, so it runs once, on first use; the terminal summary then
prints the coverage table whenever a coverage test ran.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from response_coverage import Coverage, measure
from support import make_settings

from mockserver.app import create_app

_MEASURED: list[Coverage] = []


@pytest.fixture(scope="session")
def coverage() -> Iterator[Coverage]:
    # Strict: every crawled body is also checked against openapi.yaml (a mismatch is a 500).
    app = create_app(make_settings(strict_responses=True))
    app.testing = True
    measured = measure(app)
    _MEASURED.append(measured)
    yield measured


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for measured in _MEASURED:
        terminalreporter.write_sep("-", "response-space coverage of the seeded dataset")
        terminalreporter.write_line(measured.table())
        for line in measured.unexplained():
            terminalreporter.write_line(f"  missing  {line}")
