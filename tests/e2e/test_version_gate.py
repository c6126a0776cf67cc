"""Version gate (conventions.md §9): the floor header everywhere, 426 for older clients.

The mock here requires onepin 0.17.0, above the installed 0.16.1, so the real CLI and the
gated SDK clients must stop with their upgrade message; onepin 0.13.0 too.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import onepin
import pytest
from conformance_support import LEGACY_SDK, ULID, live_server, sdk_python
from onepin import OnePinClient, OnePinUpgradeRequiredError
from onepin._cli._http import _parse_error_envelope
from onepin.core.api_error import ApiError

from mockserver.testing import DEMO_KEY, MockServer

FLOOR = "0.17.0"
INSTALLED = "0.16.1"
UPGRADE = (f"onepin {INSTALLED} is below the required minimum {FLOOR}. "
           f"Upgrade: pip install --upgrade 'onepin>={FLOOR}'")
ONEPIN = str(Path(sys.executable).parent / "onepin")
KEY = {"Authorization": f"Bearer {DEMO_KEY}"}


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with live_server(required_sdk_version=FLOOR) as (live, _log):
        yield live


def onepin_cli(server: MockServer, tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {"HOME": str(tmp_path), "NO_COLOR": "1", "PATH": "/usr/bin:/bin"}
    return subprocess.run([ONEPIN, "--base-url", server.url, "--api-key", DEMO_KEY, *argv],
                          capture_output=True, text=True, env=env, timeout=120, check=False)


@pytest.mark.parametrize(("path", "agent", "status"), [
    ("/api/v1/nodes", "curl/8", 200),
    ("/api/v1/workflows", "curl/8", 200),
    ("/api/v1/workflows", f"onepin/{FLOOR}", 200),
    ("/api/v1/workflows", f"onepin/{INSTALLED}", 426),
    ("/api/v1/no-such-endpoint", "curl/8", 404),
    ("/__mock/health", "curl/8", 200),
])
def test_floor_header_on_every_response(server: MockServer, path: str, agent: str,
                                        status: int) -> None:
    """Successes, errors, routing 404s and mock endpoints all advertise the floor."""
    response = httpx.get(server.url + path, headers={**KEY, "User-Agent": agent})
    assert response.status_code == status
    assert response.headers["X-OnePin-Required-Version"] == FLOOR


def test_older_sdk_gets_426_envelope(server: MockServer) -> None:
    """User-Agent onepin/<older> is 426 UPGRADE_REQUIRED with error.required_version."""
    response = httpx.get(f"{server.url}/api/v1/workflows",
                         headers={**KEY, "User-Agent": f"onepin/{INSTALLED}"})
    assert response.status_code == 426
    body = response.json()
    parsed = _parse_error_envelope(body)
    assert parsed["code"] == "UPGRADE_REQUIRED" and parsed["message"]
    assert ULID.match(parsed["request_id"])
    assert body["error"]["required_version"] == FLOOR


@pytest.mark.parametrize("argv", [("workflows", "list"), ("workflows", "runs", "list",
                                                           "00000000-0000-0000-0000-000000000001")],
                         ids=["workflows list", "workflows runs list"])
def test_cli_stops_with_upgrade_message(server: MockServer, tmp_path: Path,
                                        argv: tuple[str, ...]) -> None:
    """The CLI exits 1 with its upgrade sentence (plain) and UPGRADE_REQUIRED (--json)."""
    plain = onepin_cli(server, tmp_path, *argv)
    assert plain.returncode == 1
    assert plain.stderr.strip() == UPGRADE
    as_json = onepin_cli(server, tmp_path, "--json", *argv)
    assert as_json.returncode == 1
    assert json.loads(as_json.stderr) == {"error": {"code": "UPGRADE_REQUIRED",
                                                    "message": UPGRADE}}


def test_cli_auth_commands_stop_with_upgrade_message(server: MockServer,
                                                     tmp_path: Path) -> None:
    """whoami (raw auth path, its own User-Agent) also meets the floor and says so."""
    done = onepin_cli(server, tmp_path, "whoami")
    assert done.returncode == 1
    assert UPGRADE in done.stderr


def test_gated_sync_clients_raise(server: MockServer) -> None:
    """make_client and OnepinClient raise OnePinUpgradeRequiredError naming both versions."""
    for client in (onepin.make_client(base_url=server.url, token=DEMO_KEY),
                   onepin.OnepinClient(api_key=DEMO_KEY, base_url=server.url)):
        with pytest.raises(OnePinUpgradeRequiredError) as raised:
            client.workflows.list(limit=1)
        assert (raised.value.required, raised.value.current) == (FLOOR, INSTALLED)
        assert str(raised.value) == UPGRADE


def test_gated_async_client_raises(server: MockServer) -> None:
    """make_async_client raises the same error from an awaited call."""
    async def call() -> None:
        client = onepin.make_async_client(base_url=server.url, token=DEMO_KEY)
        await client.workflows.list(limit=1)

    with pytest.raises(OnePinUpgradeRequiredError):
        asyncio.run(call())


def test_bare_client_sees_plain_426(server: MockServer) -> None:
    """A bare OnePinClient has no hook: the 426 arrives as ApiError with the envelope."""
    with pytest.raises(ApiError) as raised:
        OnePinClient(base_url=server.url, token=DEMO_KEY).workflows.list(limit=1)
    assert raised.value.status_code == 426
    assert raised.value.body["error"]["required_version"] == FLOOR


def test_floor_at_installed_version_passes() -> None:
    """A floor equal to the installed version is no upgrade: gated calls succeed."""
    with live_server(required_sdk_version=INSTALLED) as (live, _log):
        page = onepin.make_client(base_url=live.url, token=DEMO_KEY).workflows.list(limit=1)
    assert page.pagination.total > 0


LEGACY_PROBE = """
import sys, onepin
client = onepin.make_client(base_url=sys.argv[1], token=sys.argv[2])
try:
    client.workflows.list(limit=1)
except onepin.OnePinUpgradeRequiredError as exc:
    print(exc.required, exc.current)
"""


def test_legacy_sdk_is_gated(server: MockServer) -> None:
    """onepin 0.13.0's gated client raises OnePinUpgradeRequiredError for the same floor."""
    done = subprocess.run([str(sdk_python(LEGACY_SDK)), "-c", LEGACY_PROBE, server.url, DEMO_KEY],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.stdout.split() == [FLOOR, LEGACY_SDK], done.stderr
