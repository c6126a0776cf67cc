"""Serving on a shared host: the signing secret, the control API on a non-loopback bind,
and the limits a shared server is started with."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import jwt
import pytest
from support import ADA, GLOBEX, KEY, assert_error, bearer, ok

from mockserver.app import create_app, mock_of
from mockserver.cli import build_parser, exposure_settings, is_loopback, main, settings_from
from mockserver.errors import StartupError
from mockserver.hosts import bind_address
from mockserver.settings import Settings

DEFAULT_SECRET = Settings().jwt_secret
PRIVATE = "a-private-secret-of-at-least-32-bytes"


def _serve(*flags: str) -> Settings:
    return settings_from(build_parser().parse_args(["serve", *flags]))


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "mock.internal"])
def test_non_loopback_bind_without_admin_token_refuses_to_start(
        host: str, capsys: pytest.CaptureFixture[str]) -> None:
    """One line on stderr says why and what to pass; the exit status is 1."""
    assert main(["serve", "--host", host]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "--admin-token" in err and "--insecure-admin" in err


@pytest.mark.parametrize("flags", [["--admin-token", "t"], ["--insecure-admin"], ["--no-admin"]])
def test_non_loopback_bind_starts_with_a_token_or_an_explicit_opt_in(flags: list[str]) -> None:
    settings = exposure_settings(_serve("--host", "0.0.0.0", *flags), secret_given=False)
    assert settings.host == "0.0.0.0"


def test_insecure_admin_reads_its_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ONEPIN_MOCK_INSECURE_ADMIN", "1")
    assert _serve().insecure_admin
    monkeypatch.setenv("ONEPIN_MOCK_INSECURE_ADMIN", "0")
    assert not _serve().insecure_admin


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_binds_need_nothing(host: str) -> None:
    assert is_loopback(host)
    settings = _serve("--host", host)
    assert exposure_settings(settings, secret_given=False) == settings


def test_a_public_bind_never_signs_with_the_public_secret(capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    settings = exposure_settings(_serve("--host", "0.0.0.0", "--insecure-admin"), False)
    assert settings.jwt_secret != DEFAULT_SECRET
    assert "--secret" in capsys.readouterr().err
    given = exposure_settings(_serve("--host", "0.0.0.0", "--insecure-admin", "--secret", PRIVATE),
                              secret_given=True)
    assert given.jwt_secret == PRIVATE


def test_secret_comes_from_flag_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    flag, env = "f" * 32, "e" * 32
    assert _serve("--secret", flag).jwt_secret == flag
    monkeypatch.setenv("ONEPIN_MOCK_SECRET", env)
    assert _serve().jwt_secret == env
    assert _serve("--secret", flag).jwt_secret == flag


def test_sessions_signed_with_another_secret_are_refused(capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    """A token minted with the public default does not open a server with its own secret;
    `onepin-mock token --secret` mints one that does."""
    client = create_app(dataclasses.replace(Settings(), jwt_secret=PRIVATE)).test_client()
    assert main(["token", "--user", ADA]) == 0
    public = capsys.readouterr().out.strip()
    assert main(["token", "--user", ADA, "--secret", PRIVATE]) == 0
    private = capsys.readouterr().out.strip()
    assert jwt.decode(private, PRIVATE, algorithms=["HS256"])["sub"] == ADA
    whoami = "/api/v1/auth/whoami"
    response = client.get(whoami, headers=bearer(public, GLOBEX))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "INVALID_API_KEY"
    assert client.get(whoami, headers=bearer(private, GLOBEX)).status_code == 200


def test_download_links_use_the_secret_too() -> None:
    """A link signed with the public default is refused by a server with its own secret."""
    public = mock_of(create_app(Settings())).world.links
    private_app = create_app(dataclasses.replace(Settings(), jwt_secret=PRIVATE))
    link = public.make("", mock_of(private_app).world.clock.now(),
                       kind="upload", ws=GLOBEX, upload="x")
    response = private_app.test_client().get(link.url)
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "FORBIDDEN"


def test_limits_are_flags() -> None:
    settings = _serve("--max-delay-ms", "750", "--max-body-bytes", "4096")
    assert (settings.max_delay_ms, settings.max_body_bytes) == (750, 4096)


@pytest.mark.parametrize("flags", [["--fault-status", "200"], ["--fault-status", "101"],
                                   ["--max-delay-ms", "-1"], ["--max-body-bytes", "0"],
                                   ["--secret", "too-short"]])
def test_unsafe_limits_are_refused(flags: list[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", *flags])


def test_the_docker_image_opts_in_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    """The image binds 0.0.0.0, so its Dockerfile sets the opt-in; without it serve refuses."""
    dockerfile = (Path(__file__).parents[2] / "Dockerfile").read_text(encoding="utf-8")
    assert "ONEPIN_MOCK_HOST=0.0.0.0" in dockerfile
    assert "ONEPIN_MOCK_INSECURE_ADMIN=1" in dockerfile
    monkeypatch.setenv("ONEPIN_MOCK_HOST", "0.0.0.0")
    monkeypatch.setenv("ONEPIN_MOCK_INSECURE_ADMIN", "1")
    assert exposure_settings(_serve(), secret_given=False).host == "0.0.0.0"
    monkeypatch.delenv("ONEPIN_MOCK_INSECURE_ADMIN")
    with pytest.raises(StartupError):
        exposure_settings(_serve(), secret_given=False)


# -- DNS rebinding: the Host header a mock answers ---------------------------------------------

WHOAMI = "/api/v1/auth/whoami"
LOOPBACK_HOSTS = ["localhost", "localhost:8080", "LOCALHOST:1", "127.0.0.1", "127.0.0.1:9",
                  "127.8.9.10:65535", "[::1]", "[::1]:8080"]
FOREIGN_HOSTS = ["attacker.example", "attacker.example:8080", "localhost.attacker.example",
                 "127.0.0.1.nip.example:80", "0.0.0.0:8080", "[::2]:80", "localhost:80x",
                 "evil@127.0.0.1", "[::1", "::1"]


@pytest.fixture(scope="module")
def loopback_app() -> Any:
    return create_app(dataclasses.replace(Settings(), host="127.0.0.1"))


@pytest.mark.parametrize("host", [*LOOPBACK_HOSTS, ""])
def test_a_loopback_mock_answers_loopback_host_names(loopback_app: Any, host: str) -> None:
    response = loopback_app.test_client().get(WHOAMI, headers={**KEY, "Host": host})
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
@pytest.mark.parametrize("path", [WHOAMI, "/files/anything", "/__mock/state", "/docs",
                                  "/__mock/health"])
def test_a_loopback_mock_refuses_every_other_host(loopback_app: Any, host: str,
                                                  path: str) -> None:
    """A page on a rebound name reaches nothing: not the API, the file links, the pages or
    the control API (421 in the envelope, which names the option that would accept it)."""
    response = loopback_app.test_client().get(path, headers={**KEY, "Host": host})
    body = assert_error(response, 421, "MISDIRECTED_REQUEST")
    assert "--allowed-host" in body["error"]["message"]
    assert "op_live_" not in response.get_data(as_text=True)


def test_a_rebinding_page_cannot_reset_or_read_the_state(loopback_app: Any) -> None:
    """The requests of the issue: same-origin to the page, so only the Host tells."""
    client = loopback_app.test_client()
    created = ok(client.post("/api/v1/workflows", json={"name": "kept"}, headers=KEY), 201)
    rebound = {"Host": "attacker.example:8080", "Origin": "http://attacker.example:8080"}
    reset = client.post("/__mock/reset", json={}, headers=rebound)
    assert_error(reset, 421, "MISDIRECTED_REQUEST")
    preflight = client.options("/__mock/reset", headers={
        **rebound, "Access-Control-Request-Method": "POST"})
    assert_error(preflight, 421, "MISDIRECTED_REQUEST")
    assert ok(client.get(f"/api/v1/workflows/{created['id']}", headers=KEY))["name"] == "kept"


@pytest.mark.parametrize(("allowed", "host", "answered"), [
    (("mock.test",), "mock.test:8080", True),
    (("mock.test:8080",), "mock.test:8080", True),
    (("mock.test:8080",), "mock.test:9090", False),
    ((".corp.example",), "api.corp.example", True),
    ((".corp.example",), "corp.example", True),
    ((".corp.example",), "xcorp.example", False),
    (("*",), "attacker.example", True),
    (("mock.test",), "other.test", False),
])
def test_allowed_hosts_are_answered_too(allowed: tuple[str, ...], host: str,
                                        answered: bool) -> None:
    app = create_app(dataclasses.replace(Settings(), allowed_hosts=allowed))
    response = app.test_client().get(WHOAMI, headers={**KEY, "Host": host})
    assert response.status_code == (200 if answered else 421)
    assert app.test_client().get(WHOAMI, headers={**KEY, "Host": "localhost"}).status_code == 200


def test_a_public_bind_checks_hosts_only_when_given_some() -> None:
    """On 0.0.0.0 the machine's own names are unknown: the network decides, unless hosts
    are listed (then loopback names and those)."""
    open_app = create_app(dataclasses.replace(Settings(), host="0.0.0.0"))
    response = open_app.test_client().get(WHOAMI, headers={**KEY, "Host": "mock.internal"})
    assert response.status_code == 200
    listed = create_app(dataclasses.replace(Settings(), host="0.0.0.0",
                                            allowed_hosts=("mock.internal",)))
    assert listed.test_client().get(WHOAMI, headers={**KEY, "Host": "mock.internal"}
                                    ).status_code == 200
    assert listed.test_client().get(WHOAMI, headers={**KEY, "Host": "other.internal"}
                                    ).status_code == 421


def test_allowed_hosts_come_from_flag_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _serve("--allowed-host", "a.test", "--allowed-host", "b.test:81").allowed_hosts == (
        "a.test", "b.test:81")
    monkeypatch.setenv("ONEPIN_MOCK_ALLOWED_HOST", "c.test, .d.test")
    assert _serve().allowed_hosts == ("c.test", ".d.test")
    assert _serve("--allowed-host", "a.test").allowed_hosts == ("a.test",)


# -- `serve --host NAME` ---------------------------------------------------------------------


def test_a_host_name_binds_the_address_it_resolves_to() -> None:
    """granian binds addresses only: `--host localhost` binds 127.0.0.1 (IPv4 first)."""
    assert bind_address("localhost") == "127.0.0.1"
    assert bind_address("[::1]") == "::1"
    assert bind_address("127.0.0.2") == "127.0.0.2"
    with pytest.raises(ValueError, match="resolves"):
        bind_address("no-such-host.invalid")


def test_a_name_that_does_not_resolve_stops_serve_in_one_line(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--host", "no-such-host.invalid", "--insecure-admin", "--secret",
                 PRIVATE]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no-such-host.invalid" in err
