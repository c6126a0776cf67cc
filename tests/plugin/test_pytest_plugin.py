"""The pytest plugin (mockserver/pytest_plugin.py), exercised in throwaway pytest sessions.

Each test writes a small test suite with ``pytester`` and runs it in-process (the plugin is
picked up through its ``pytest11`` entry point, as in a user's project), then checks the
outcomes. Inner suites talk to the live server over HTTP with httpx.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

# Shared by every inner suite: a tiny HTTP helper and the packaged demo credentials.
HELPERS = '''
import httpx

DEMO = {"Authorization": "Bearer op_live_demoAllScopesKeyForOnepinMock001"}


def get(url, headers=None):
    response = httpx.get(url, headers=headers, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def post(url, body=None, headers=None, status=201):
    response = httpx.post(url, json=body, headers=headers, timeout=10)
    assert response.status_code == status, response.text
    return response.json()["data"]


def names(url, headers):
    return {w["name"] for w in get(url + "/api/v1/workflows?limit=100", headers)}
'''


def write_suite(pytester: pytest.Pytester, source: str, name: str = "test_inner") -> None:
    pytester.makepyfile(helpers=HELPERS)
    pytester.makepyfile(**{name: textwrap.dedent(source)})


# -- registration ------------------------------------------------------------------------------


def test_entry_point_is_registered() -> None:
    """The package declares the plugin in the pytest11 entry-point group."""
    points = {e.name: e.value for e in importlib.metadata.entry_points(group="pytest11")}
    assert points.get("onepin_mock") == "mockserver.pytest_plugin"


def test_plugin_is_loaded_and_marker_listed(pytester: pytest.Pytester) -> None:
    """A fresh session loads the plugin by itself and lists its marker under --markers."""
    traced = pytester.runpytest_inprocess("--trace-config", "--co")
    traced.stdout.fnmatch_lines(["PLUGIN registered: <module 'mockserver.pytest_plugin' *",
                                 "plugins: *onepin-mock-*"])
    markers = pytester.runpytest_inprocess("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.onepin_mock(seed=None, fixtures=None, *"])


# -- fixtures ----------------------------------------------------------------------------------


def test_fixtures_serve_a_live_mock(pytester: pytest.Pytester) -> None:
    """onepin_mock, onepin_mock_url and onepin_mock_workspace give a working server and key."""
    write_suite(pytester, """
        from helpers import DEMO, get, names
        from mockserver.app import mock_of
        from mockserver.settings import Settings

        def test_server(onepin_mock, onepin_mock_url, onepin_mock_settings):
            assert onepin_mock_settings == Settings(strict_responses=True)
            assert onepin_mock.url == onepin_mock_url
            assert onepin_mock_url.startswith("http://127.0.0.1:")
            assert get(onepin_mock_url + "/__mock/health") == {"status": "ok"}
            assert onepin_mock.world is mock_of(onepin_mock.app).world
            assert onepin_mock.clock is onepin_mock.world.clock
            assert len(names(onepin_mock_url, DEMO)) > 1

        def test_workspace(onepin_mock, onepin_mock_workspace):
            ws = onepin_mock_workspace
            assert ws.api_key.startswith("op_live_") and len(ws.api_key) == 40
            assert ws.headers == {"Authorization": f"Bearer {ws.api_key}"}
            assert "workflows:write" in ws.scopes
            who = get(onepin_mock.url + "/api/v1/auth/whoami", ws.headers)
            assert who["user_id"] == ws.user_id
            assert who["workspace_id"] == ws.id
            assert len(get(onepin_mock.url + "/api/v1/workflows?limit=100", ws.headers)) == 25

        def test_journal(onepin_mock):
            get(onepin_mock.url + "/api/v1/nodes")
            get(onepin_mock.url + "/api/v1/workflows?limit=1", DEMO)
            get(onepin_mock.url + "/__mock/health")
            assert [e.path for e in onepin_mock.requests()] == ["/api/v1/nodes",
                                                                "/api/v1/workflows"]
            (entry,) = onepin_mock.requests(operation_id="list_workflows")
            assert entry.status == 200 and entry.query == "limit=1"
            assert onepin_mock.requests(path="/api/v1/n*", method="get")[0].path == "/api/v1/nodes"
            assert onepin_mock.clear_requests() == 2 and onepin_mock.requests() == []
    """)
    result = pytester.runpytest_inprocess("-q")
    result.assert_outcomes(passed=3)


def test_workspace_options_fixture_is_overridable(pytester: pytest.Pytester) -> None:
    """onepin_mock_workspace_options shapes the per-test workspace."""
    write_suite(pytester, """
        import pytest
        from helpers import get

        @pytest.fixture
        def onepin_mock_workspace_options():
            return {"name": "Empty room", "workflow_count": 0, "credit_balance": 7}

        def test_empty(onepin_mock_url, onepin_mock_workspace):
            assert onepin_mock_workspace.name == "Empty room"
            assert get(onepin_mock_url + "/api/v1/workflows", onepin_mock_workspace.headers) == []

        def test_bad_option(onepin_mock):
            with pytest.raises(TypeError, match="colour"):
                onepin_mock.create_workspace(colour="red")
    """)
    pytester.runpytest_inprocess("-q").assert_outcomes(passed=2)


def test_state_resets_between_tests(pytester: pytest.Pytester) -> None:
    """Writes, created workspaces, clock changes and the journal do not leak into the next test."""
    write_suite(pytester, """
        from helpers import DEMO, get, names, post

        SEEN = {}

        def test_first(onepin_mock):
            SEEN["server"] = onepin_mock
            SEEN["names"] = names(onepin_mock.url, DEMO)
            SEEN["workspace"] = onepin_mock.create_workspace().id
            post(onepin_mock.url + "/api/v1/workflows", {"name": "Leaky workflow"}, DEMO)
            onepin_mock.clock.freeze_at(onepin_mock.clock.now())
            onepin_mock.clock.advance(86400)
            assert "Leaky workflow" in names(onepin_mock.url, DEMO)

        def test_second(onepin_mock):
            assert onepin_mock is SEEN["server"]  # the same session server ...
            assert names(onepin_mock.url, DEMO) == SEEN["names"]  # ... back to its seeded state
            assert not onepin_mock.clock.frozen
            assert [e.path for e in onepin_mock.requests()] == ["/api/v1/workflows"]
            assert onepin_mock.create_workspace().id == SEEN["workspace"]  # counter reset too
    """)
    pytester.runpytest_inprocess("-q").assert_outcomes(passed=2)


def test_per_test_workspaces_are_isolated(pytester: pytest.Pytester) -> None:
    """A workflow created in one test's workspace is invisible from any other workspace."""
    write_suite(pytester, """
        from helpers import DEMO, names, post

        def test_writer(onepin_mock, onepin_mock_workspace):
            post(onepin_mock.url + "/api/v1/workflows", {"name": "Private draft"},
                 onepin_mock_workspace.headers)
            assert "Private draft" in names(onepin_mock.url, onepin_mock_workspace.headers)
            neighbour = onepin_mock.create_workspace()
            assert neighbour.id != onepin_mock_workspace.id
            assert "Private draft" not in names(onepin_mock.url, neighbour.headers)
            assert "Private draft" not in names(onepin_mock.url, DEMO)

        def test_reader(onepin_mock, onepin_mock_workspace):
            assert "Private draft" not in names(onepin_mock.url, onepin_mock_workspace.headers)
    """)
    pytester.runpytest_inprocess("-q").assert_outcomes(passed=2)


# -- settings overrides ------------------------------------------------------------------------

CUSTOM_FIXTURES = {
    "workspaces": [{"id": "11111111-1111-4111-8111-111111111111", "name": "Conftest Co",
                    "slug": "conftest-co", "workflow_count": 3}],
    "users": [{"id": "22222222-2222-4222-8222-222222222222", "name": "Cora",
               "email": "cora@conftest.example"}],
    "memberships": [{"workspace": "11111111-1111-4111-8111-111111111111",
                     "user": "22222222-2222-4222-8222-222222222222", "role": "admin"}],
    "api_keys": [{"id": "33333333-3333-4333-8333-333333333333", "name": "conftest key",
                  "key": "op_live_conftestKey0000000000000000000001",
                  "workspace": "11111111-1111-4111-8111-111111111111",
                  "user": "22222222-2222-4222-8222-222222222222", "scopes": ["workflows:read"]}],
}
CUSTOM_KEY = {"Authorization": "Bearer op_live_conftestKey0000000000000000000001"}


def test_conftest_overrides_seed_and_fixtures(pytester: pytest.Pytester) -> None:
    """onepin_mock_seed and onepin_mock_fixtures (a mapping) in conftest.py shape the server."""
    pytester.makeconftest(f"""
        import pytest

        @pytest.fixture(scope="session")
        def onepin_mock_seed():
            return 7

        @pytest.fixture(scope="session")
        def onepin_mock_fixtures():
            return {CUSTOM_FIXTURES!r}
    """)
    write_suite(pytester, f"""
        import httpx
        from helpers import DEMO, get

        def test_custom(onepin_mock):
            assert onepin_mock.settings.seed == 7
            rows = get(onepin_mock.url + "/api/v1/workflows", {CUSTOM_KEY!r})
            assert len(rows) == 3
            assert httpx.get(onepin_mock.url + "/api/v1/workflows", headers=DEMO).status_code == 401
    """)
    pytester.runpytest_inprocess("-q").assert_outcomes(passed=1)


def test_conftest_overrides_settings_and_fixture_paths(pytester: pytest.Pytester) -> None:
    """A whole onepin_mock_settings override wins; a relative fixtures path is from the rootdir."""
    pytester.makefile(".yaml", custom=__import__("yaml").safe_dump(CUSTOM_FIXTURES))
    pytester.makeconftest("""
        import dataclasses
        from datetime import datetime, timezone
        import pytest
        from mockserver.settings import Settings

        @pytest.fixture(scope="session")
        def onepin_mock_fixtures():
            return "custom.yaml"

        @pytest.fixture(scope="session")
        def onepin_mock_settings(onepin_mock_settings):
            return dataclasses.replace(onepin_mock_settings, run_speed=60.0,
                frozen_at=datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc))
    """)
    write_suite(pytester, f"""
        from helpers import get

        def test_frozen(onepin_mock):
            assert get(onepin_mock.url + "/__mock/clock") == {{
                "now": "2030-01-02T03:04:05.000Z", "frozen": True, "run_speed": 60.0}}
            assert len(get(onepin_mock.url + "/api/v1/workflows", {CUSTOM_KEY!r})) == 3

        def test_clock_restored_after_advance(onepin_mock):
            onepin_mock.clock.advance(3600)

        def test_still_frozen_at_start(onepin_mock):
            assert get(onepin_mock.url + "/__mock/clock")["now"] == "2030-01-02T03:04:05.000Z"
    """)
    pytester.runpytest_inprocess("-q").assert_outcomes(passed=3)


# -- the marker --------------------------------------------------------------------------------


def test_marker_builds_a_dedicated_server(pytester: pytest.Pytester) -> None:
    """@pytest.mark.onepin_mock gives the test its own server with the overrides; others share."""
    pytester.mkdir("data")
    pytester.path.joinpath("data", "fx.yaml").write_text(
        __import__("yaml").safe_dump(CUSTOM_FIXTURES))
    pytester.mkdir("sub")
    pytester.path.joinpath("sub", "helpers.py").write_text(HELPERS)
    pytester.path.joinpath("sub", "test_marked.py").write_text(textwrap.dedent(f"""
        import httpx
        import pytest
        from helpers import DEMO, get

        pytestmark = pytest.mark.onepin_mock(seed=3, admin_token="module-level")

        @pytest.mark.onepin_mock(fixtures="../data/fx.yaml", admin_token="s3cret",
                                 frozen_at="2031-05-06T07:08:09Z")
        def test_marked(onepin_mock, onepin_mock_server):
            assert onepin_mock is not onepin_mock_server
            assert onepin_mock.url != onepin_mock_server.url
            settings = onepin_mock.settings
            assert settings.seed == 3 and settings.admin_token == "s3cret"
            assert settings.fixtures_path.name == "fx.yaml" and onepin_mock.clock.frozen
            assert len(get(onepin_mock.url + "/api/v1/workflows", {CUSTOM_KEY!r})) == 3
            assert httpx.get(onepin_mock.url + "/__mock/clock").status_code == 401

        @pytest.mark.onepin_mock(fixtures={CUSTOM_FIXTURES!r})
        def test_mapping_fixtures(onepin_mock_url, onepin_mock_workspace):
            assert len(get(onepin_mock_url + "/api/v1/workflows", {CUSTOM_KEY!r})) == 3
            assert len(get(onepin_mock_url + "/api/v1/workflows?limit=100",
                           onepin_mock_workspace.headers)) == 25

        @pytest.mark.onepin_mock(colour="red")
        def test_unknown_setting(onepin_mock):
            pass
    """))
    write_suite(pytester, """
        from helpers import DEMO, get

        def test_unmarked(onepin_mock, onepin_mock_server):
            assert onepin_mock is onepin_mock_server and onepin_mock.settings.seed == 0
            assert len(get(onepin_mock.url + "/api/v1/workflows?limit=100", DEMO)) == 25
    """)
    result = pytester.runpytest_inprocess("-q", "sub", "test_inner.py")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.re_match_lines([r".*unknown setting\(s\) \['colour'\]"])


# -- errors inside the server ------------------------------------------------------------------


def test_server_side_exception_fails_the_test(pytester: pytest.Pytester) -> None:
    """An unhandled exception in a handler (a 500 to the client) errors the test at teardown."""
    write_suite(pytester, """
        import httpx
        from helpers import DEMO
        from mockserver.app import mock_of

        def boom(*args, **kwargs):
            raise RuntimeError("kaboom in the handler")

        def test_handler_bug(onepin_mock, monkeypatch):
            monkeypatch.setattr(onepin_mock.world, "workspace", boom)
            response = httpx.get(onepin_mock.url + "/api/v1/workflows", headers=DEMO)
            assert response.status_code == 500
            assert response.json()["error"]["code"] == "SERVER_ERROR"
            assert "kaboom" not in response.text

        def test_escaping_the_pipeline(onepin_mock, monkeypatch):
            pipeline = mock_of(onepin_mock.app).pipeline
            monkeypatch.setattr(pipeline, "run", boom)
            assert httpx.get(onepin_mock.url + "/api/v1/nodes").status_code == 500

        def test_next_test_is_clean(onepin_mock):
            assert httpx.get(onepin_mock.url + "/api/v1/workflows", headers=DEMO).is_success
    """)
    result = pytester.runpytest_inprocess("-q")
    result.assert_outcomes(passed=3, errors=2)
    result.stdout.fnmatch_lines([
        "*ERROR at teardown of test_handler_bug*",
        "*RuntimeError: kaboom in the handler*",
        "*raised inside onepin-mock while serving GET /api/v1/workflows*",
        "*ERROR at teardown of test_escaping_the_pipeline*",
    ])


def test_server_side_exception_in_a_marked_server(pytester: pytest.Pytester) -> None:
    """A dedicated (marked) server reports its errors the same way and is still stopped."""
    write_suite(pytester, """
        import httpx
        import pytest
        from helpers import DEMO

        SERVERS = []

        @pytest.mark.onepin_mock(seed=1)
        def test_bug(onepin_mock, monkeypatch):
            SERVERS.append(onepin_mock)
            monkeypatch.setattr(onepin_mock.world, "workspace", lambda *a: 1 / 0)
            assert httpx.get(onepin_mock.url + "/api/v1/workflows", headers=DEMO).status_code == 500

        def test_stopped():
            with pytest.raises(httpx.TransportError):
                httpx.get(SERVERS[0].url + "/__mock/health", timeout=2)
    """)
    result = pytester.runpytest_inprocess("-q")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ZeroDivisionError*"])


# -- one server per process (pytest -n) --------------------------------------------------------


def test_concurrent_sessions_get_independent_servers(pytester: pytest.Pytester) -> None:
    """Two pytest processes at once (like two xdist workers) each run their own server."""
    write_suite(pytester, """
        import os
        from helpers import DEMO, post

        def test_write(onepin_mock, onepin_mock_workspace):
            print("URL", onepin_mock.url, "PID", os.getpid())
            post(onepin_mock.url + "/api/v1/workflows", {"name": "mine"}, DEMO)
            assert [e.method for e in onepin_mock.requests()] == ["POST"]
    """)
    lean = ["-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest"]
    command = [sys.executable, "-m", "pytest", "-q", "-s", *lean, "test_inner.py"]
    workers = [subprocess.Popen(command, cwd=pytester.path, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for _ in range(2)]
    outputs = [w.communicate(timeout=120)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    urls = {re.search(r"URL (\S+)", out).group(1) for out in outputs}  # type: ignore[union-attr]
    assert len(urls) == 2


def test_readme_example_passes(pytester: pytest.Pytester) -> None:
    """The plugin example in the README runs green as written."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    example = "import httpx\n" + readme.split("```python\nimport httpx\n", 1)[1].split("```")[0]
    pytester.makepyfile(test_readme=example)
    pytester.runpytest_inprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)
