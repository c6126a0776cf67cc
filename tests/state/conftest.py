"""Every state backend (event log and request store), as one parametrised fixture
(memory, SQLite, Redis)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis_server import running_redis

from mockserver.recording.store import RequestStore
from mockserver.state_backends import OpenedState, open_state
from mockserver.world.events import EventLog

_namespaces = itertools.count()


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture(params=["memory", "sqlite", "redis"])
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty state URL of each backend kind."""
    if request.param == "memory":
        return "memory"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    base: str = request.getfixturevalue("redis_url")
    return f"{base}?namespace=test-{next(_namespaces)}-{tmp_path.name}"


def _opener(state_url: str, opened: list[OpenedState]) -> Callable[[int], OpenedState]:
    def opener(journal_size: int = 100) -> OpenedState:
        if state_url == "memory" and opened:
            return opened[0]
        state = open_state(state_url, journal_size)
        opened.append(state)
        return state

    return opener


@pytest.fixture
def open_log(state_url: str) -> Iterator[Callable[..., EventLog]]:
    """Open the test's log (again, for a second handle); memory hands back the same one."""
    opened: list[OpenedState] = []
    opener = _opener(state_url, opened)
    yield lambda journal_size=100: opener(journal_size).log
    for state in opened:
        state.close()


@pytest.fixture
def open_requests(state_url: str) -> Iterator[Callable[..., RequestStore]]:
    """Open the test's request store (again, for a second handle); memory hands back the
    same one."""
    opened: list[OpenedState] = []
    opener = _opener(state_url, opened)
    yield lambda journal_size=100: opener(journal_size).requests
    for state in opened:
        state.close()
