"""Serving on a shared host: the signing secret, the control API on a non-loopback bind,
and the limits a shared server is started with."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jwt
import pytest
from support import ADA, GLOBEX, bearer

from mockserver.app import create_app, mock_of
from mockserver.cli import build_parser, exposure_settings, is_loopback, main, settings_from
from mockserver.errors import StartupError
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
