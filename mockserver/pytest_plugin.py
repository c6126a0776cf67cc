"""pytest plugin: a live onepin-mock server for your tests (registered as ``onepin_mock``).

Installed with the package through the ``pytest11`` entry point, so nothing needs to
be imported. One server per test session (per worker under ``pytest -n``) runs on a
free port on a daemon thread and is reset before every test.

Fixtures:

- ``onepin_mock``: the session's ``mockserver.testing.MockServer``, reset before the test
  (``.url``, ``.app``, ``.world``, ``.clock``, ``.requests(**filters)``,
  ``.create_workspace(**options)``, ``.session_token(user_id)``). Unhandled exceptions
  raised inside the server while the test ran are re-raised at its teardown.
- ``onepin_mock_url``: ``onepin_mock.url``.
- ``onepin_mock_workspace``: a fresh workspace with an admin user and an all-scopes API
  key (``.id``, ``.api_key``, ``.user_id``, ``.headers``), built from
  ``onepin_mock_workspace_options`` (default ``{}``).
- ``onepin_mock_server``: the shared session server itself, *not* reset.
- Settings, overridable in ``conftest.py`` (session scope): ``onepin_mock_settings``
  (default ``Settings(seed=onepin_mock_seed, fixtures_path=onepin_mock_fixtures)``),
  ``onepin_mock_seed`` (default 0) and ``onepin_mock_fixtures`` (default ``None``: the
  packaged fixtures; a path, relative to the rootdir, or a mapping in the fixture format).

- ``onepin_client`` / ``onepin_async_client``: the official SDK's clients bound to
  ``onepin_mock_workspace`` with ``max_retries=0``, closed after the test; the test is
  skipped, saying so, when ``onepin`` is not importable.

Responses are checked against openapi.yaml by default (``strict_responses``).

Marker: ``@pytest.mark.onepin_mock(seed=..., fixtures=..., strict=..., **settings)`` gives
the test its own server built from ``onepin_mock_settings`` with these overrides (any
``Settings`` field, or the CLI's names ``fixtures`` and ``strict``; a relative ``fixtures``
path is relative to the test file).

Coverage: every server's API coverage is added up over the session (and across
pytest-xdist workers), printed at the end, and written with ``--onepin-mock-coverage=FILE``
(``mockserver/pytest_coverage.py``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from . import pytest_coverage
from .settings import SETTING_ALIASES, Settings

if TYPE_CHECKING:
    from .testing import MockServer, MockWorkspace

MARKER = "onepin_mock"
SDK_VERSION = "0.16.1"  # the official SDK release the client fixtures are tested with
_SDK_TIMEOUT = 30.0
_PATH_FIELDS = ("spec_path", "admin_spec_path", "fixtures_path", "catalog_path")
_TIME_FIELDS = ("frozen_at", "dataset_epoch")
_SETTINGS_FIELDS = tuple(f.name for f in dataclasses.fields(Settings))


def pytest_addoption(parser: pytest.Parser) -> None:
    pytest_coverage.add_option(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(seed=None, fixtures=None, strict=True, **settings): run the test against "
        "its own onepin-mock server built with these Settings overrides instead of the "
        "shared one.",
    )


def pytest_sessionfinish(session: pytest.Session) -> None:
    pytest_coverage.session_finished(session)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """pytest-xdist: a worker finished; merge its coverage."""
    pytest_coverage.worker_finished(node)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    pytest_coverage.terminal_summary(terminalreporter, config)


# -- settings -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def onepin_mock_seed() -> int:
    """The seed of the generated dataset; override (session scope) in conftest.py."""
    return Settings().seed


@pytest.fixture(scope="session")
def onepin_mock_fixtures() -> str | os.PathLike[str] | Mapping[str, Any] | None:
    """A fixture file (path) or document (mapping); None keeps the packaged fixtures."""
    return None


@pytest.fixture(scope="session")
def onepin_mock_settings(onepin_mock_seed: int,
                         onepin_mock_fixtures: str | os.PathLike[str] | Mapping[str, Any] | None,
                         pytestconfig: pytest.Config,
                         tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The settings of the shared server (and the base of every marked test's server).

    Responses are checked against openapi.yaml (``strict``): an answer of the mock that
    breaks its own contract is a mock bug, and fails the test that met it."""
    settings = Settings(seed=onepin_mock_seed, strict_responses=True)
    if onepin_mock_fixtures is not None:
        path = _fixtures_path(onepin_mock_fixtures, pytestconfig.rootpath, tmp_path_factory)
        settings = dataclasses.replace(settings, fixtures_path=path)
    return settings


def _fixtures_path(value: str | os.PathLike[str] | Mapping[str, Any], base: Path,
                   tmp_path_factory: pytest.TempPathFactory) -> Path:
    if isinstance(value, Mapping):
        import yaml

        path = tmp_path_factory.mktemp("onepin-mock-fixtures") / "fixtures.yaml"
        path.write_text(yaml.safe_dump(_plain(value), sort_keys=False), encoding="utf-8")
        return path
    path = Path(value)
    return path if path.is_absolute() else base / path


def _plain(value: Any) -> Any:
    """Mappings and sequences as plain dicts and lists, so ``yaml.safe_dump`` takes them."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _marked_settings(request: pytest.FixtureRequest, base: Settings) -> Settings:
    """``base`` with the overrides of every ``onepin_mock`` marker (closest wins)."""
    overrides: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        if marker.args:
            pytest.fail(f"@pytest.mark.{MARKER} takes keyword arguments only, got "
                        f"{marker.args!r}", pytrace=False)
        overrides.update({SETTING_ALIASES.get(name, name): value
                          for name, value in marker.kwargs.items()})
    unknown = sorted(set(overrides) - set(_SETTINGS_FIELDS))
    if unknown:
        pytest.fail(f"@pytest.mark.{MARKER}: unknown setting(s) {unknown}; use "
                    f"{sorted(SETTING_ALIASES)} or a Settings field: {list(_SETTINGS_FIELDS)}",
                    pytrace=False)
    for name, value in list(overrides.items()):
        if name == "fixtures_path" and value is not None:
            tmp = request.getfixturevalue("tmp_path_factory")
            overrides[name] = _fixtures_path(value, request.path.parent, tmp)
        elif name in _PATH_FIELDS and isinstance(value, str | os.PathLike):
            path = Path(value)
            overrides[name] = path if path.is_absolute() else request.path.parent / path
        elif name in _TIME_FIELDS and isinstance(value, str):
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            overrides[name] = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if overrides.get("fixtures_path", "") is None:
        overrides.pop("fixtures_path")
    return dataclasses.replace(base, **overrides)


# -- servers ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def onepin_mock_server(onepin_mock_settings: Settings, pytestconfig: pytest.Config
                       ) -> Iterator[MockServer]:
    """The shared server of this session (or xdist worker); not reset: use ``onepin_mock``."""
    from .testing import MockServer

    with MockServer(onepin_mock_settings) as server:
        yield server
        pytest_coverage.session_coverage(pytestconfig).add_server(server)


@pytest.fixture
def onepin_mock(request: pytest.FixtureRequest, onepin_mock_settings: Settings
                ) -> Iterator[MockServer]:
    """A running mock in its startup state; errors raised inside it fail the test."""
    if request.node.get_closest_marker(MARKER) is None:
        server: MockServer = request.getfixturevalue("onepin_mock_server")
        server.reset()
        yield server
        server.check_errors()
        return
    from .testing import MockServer

    server = MockServer(_marked_settings(request, onepin_mock_settings)).start()
    try:
        yield server
    finally:
        server.stop()
        pytest_coverage.session_coverage(request.config).add_server(server)
    server.check_errors()


@pytest.fixture
def onepin_mock_url(onepin_mock: MockServer) -> str:
    """The base URL of the running mock, e.g. ``http://127.0.0.1:54321``."""
    return onepin_mock.url


@pytest.fixture
def onepin_mock_workspace_options() -> dict[str, Any]:
    """Options for ``onepin_mock_workspace`` (name, workflow_count, credit_balance,
    concurrent_run_limit); override to change them."""
    return {}


@pytest.fixture
def onepin_mock_workspace(onepin_mock: MockServer,
                          onepin_mock_workspace_options: dict[str, Any]) -> MockWorkspace:
    """A fresh, isolated workspace and its all-scopes API key, for this test only."""
    return onepin_mock.create_workspace(**onepin_mock_workspace_options)


# -- the official SDK ---------------------------------------------------------------------------


def _sdk(fixture: str) -> Any:
    """The ``onepin`` package, or skip the test saying why (never silently)."""
    try:
        import onepin
    except ImportError as exc:
        pytest.skip(f"{fixture} needs the official Onepin SDK, which is not importable "
                    f"({exc}); install it with: pip install onepin=={SDK_VERSION}")
    return onepin


@pytest.fixture
def onepin_client(onepin_mock: MockServer, onepin_mock_workspace: MockWorkspace) -> Iterator[Any]:
    """``onepin.OnepinClient`` bound to this test's fresh workspace: ``max_retries=0`` (an
    expected 409 or 429 answers at once instead of after retries), closed after the test."""
    import httpx

    onepin = _sdk("onepin_client")
    http = httpx.Client(timeout=_SDK_TIMEOUT, follow_redirects=True)
    try:
        yield onepin.OnepinClient(api_key=onepin_mock_workspace.api_key, base_url=onepin_mock.url,
                                  max_retries=0, httpx_client=http)
    finally:
        http.close()


@pytest.fixture
def onepin_async_client(onepin_mock: MockServer, onepin_mock_workspace: MockWorkspace
                        ) -> Iterator[Any]:
    """``onepin.AsyncOnepinClient``, like ``onepin_client``; ``await`` its methods from any
    event loop (pytest-asyncio, anyio or ``asyncio.run``)."""
    import asyncio

    import httpx

    onepin = _sdk("onepin_async_client")
    # No kept-alive connections: none is tied to the test's event loop, so closing the
    # client after the test (on a loop of its own) is safe whichever loop the test used.
    http = httpx.AsyncClient(timeout=_SDK_TIMEOUT, follow_redirects=True,
                             limits=httpx.Limits(max_keepalive_connections=0))
    try:
        yield onepin.AsyncOnepinClient(api_key=onepin_mock_workspace.api_key,
                                       base_url=onepin_mock.url, max_retries=0,
                                       httpx_client=http)
    finally:
        asyncio.run(http.aclose())
