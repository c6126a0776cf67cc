"""Live servers for the verify tests: the mock itself and the drifted API, each on a free
loopback port for the whole module."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from drifted import DriftedApi

from mockserver.testing import MockServer


@pytest.fixture(scope="module")
def live_mock() -> Iterator[MockServer]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with MockServer() as server:
        yield server


@pytest.fixture(scope="module")
def drifted_api() -> Iterator[MockServer]:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    # The drift layer rewrites JSON bodies, so the mock under it answers them plainly.
    server = MockServer(compress_responses=False)
    server.app.wsgi_app = DriftedApi(server.app.wsgi_app)  # type: ignore[method-assign]
    with server:
        yield server
