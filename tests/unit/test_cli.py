"""The onepin-mock command line: serve settings, check, token, export, help."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest
from support import ACME, ADA, GLOBEX, bearer, make_settings

from mockserver.app import create_app
from mockserver.cli import build_parser, main, settings_from


@pytest.mark.parametrize("command", ["serve", "check", "token", "export"])
def test_every_command_has_help_with_examples(command: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """--help of each command documents it with examples."""
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "examples:" in capsys.readouterr().out


def test_serve_flags_become_settings() -> None:
    """Every serve flag lands in Settings."""
    args = build_parser().parse_args([
        "serve", "--port", "9001", "--seed", "7", "--run-speed", "60", "--fault-rate", "0.1",
        "--fault-status", "502", "--admin-token", "t", "--cors-origin", "https://a.example",
        "--cors-origin", "https://b.example", "--frozen-at", "2026-11-01T10:00:00Z",
        "--no-admin", "--required-sdk-version", "0.16.0",
    ])
    settings = settings_from(args)
    assert (settings.port, settings.seed, settings.run_speed) == (9001, 7, 60.0)
    assert (settings.fault_rate, settings.fault_status, settings.admin_token) == (0.1, 502, "t")
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.frozen_at is not None and settings.frozen_at.hour == 10
    assert not settings.admin_enabled
    assert settings.required_sdk_version == "0.16.0"


def test_environment_variables_set_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """ONEPIN_MOCK_* variables configure serve; flags still win."""
    monkeypatch.setenv("ONEPIN_MOCK_PORT", "9100")
    monkeypatch.setenv("ONEPIN_MOCK_RUN_SPEED", "30")
    monkeypatch.setenv("ONEPIN_MOCK_CORS_ORIGINS", "https://x.example,https://y.example")
    settings = settings_from(build_parser().parse_args(["serve", "--run-speed", "5"]))
    assert settings.port == 9100
    assert settings.run_speed == 5.0
    assert settings.cors_origins == ("https://x.example", "https://y.example")


@pytest.mark.parametrize("bad", ["--run-speed=0", "--fault-rate=1.5", "--frozen-at=yesterday"])
def test_bad_flag_values_are_refused(bad: str) -> None:
    """Out-of-range or malformed values stop argument parsing."""
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", bad])


def test_check_accepts_the_packaged_files(capsys: pytest.CaptureFixture[str]) -> None:
    """check exits 0 for the packaged spec and fixtures."""
    assert main(["check"]) == 0
    assert "ok:" in capsys.readouterr().out


def test_check_names_file_line_and_field(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """check exits non-zero and names the file, the line and the field of a bad record."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("workspaces:\n  - id: 6ec9a28f-de78-58e7-8616-48891f256dec\n"
                   "    name: X\n    slug: x\n    credit_balance: lots\n")
    assert main(["check", "--fixtures", str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:5: workspaces[0].credit_balance" in err


def test_token_mints_a_working_session(capsys: pytest.CaptureFixture[str]) -> None:
    """token prints a JWT that the mock accepts for that user."""
    assert main(["token", "--user", ADA]) == 0
    token = capsys.readouterr().out.strip()
    client = create_app(make_settings(frozen_at=None)).test_client()
    whoami = client.get("/api/v1/auth/whoami", headers=bearer(token, ACME)).get_json()["data"]
    assert whoami["user_id"] == ADA and whoami["auth_kind"] == "clerk"


def test_token_for_unknown_user_fails(capsys: pytest.CaptureFixture[str]) -> None:
    """token refuses a user the fixtures do not know."""
    assert main(["token", "--user", "00000000-0000-4000-8000-000000000000"]) == 1
    assert "unknown user" in capsys.readouterr().err


def test_export_writes_loadable_fixtures(tmp_path: Path) -> None:
    """export writes a fixture file that serves the same workflows when loaded."""
    out = tmp_path / "globex.yaml"
    assert main(["export", "--workspace", GLOBEX, "--out", str(out)]) == 0
    assert main(["check", "--fixtures", str(out)]) == 0
    original = create_app(make_settings()).test_client()
    reloaded = create_app(make_settings(fixtures_path=out)).test_client()
    path = "/api/v1/workflows?limit=100&sort=name&include_definition=true"
    key = bearer("op_live_demoSecondWorkspaceKeyOnepin0003")
    first, second = (c.get(path, headers=key).get_json()["data"] for c in (original, reloaded))
    assert [w["id"] for w in first] == [w["id"] for w in second]
    assert [w["definition"] for w in first] == [w["definition"] for w in second]
    assert [w["run_status_counts"] for w in first] == [w["run_status_counts"] for w in second]


def test_readme_fixture_example_loads(tmp_path: Path) -> None:
    """The fixture example in the README is valid and serves its pinned records."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    block = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "qa.yaml"
    path.write_text(block)
    assert main(["check", "--fixtures", str(path)]) == 0
    client = create_app(make_settings(fixtures_path=path)).test_client()
    key = bearer("op_live_qaKeyForTheOnepinMockTests000001")
    rows = client.get("/api/v1/workflows", headers=key).get_json()["data"]
    assert [r["name"] for r in rows] == ["Checkout prompts"]
    assert rows[0]["run_status_counts"]["failed"] == 1
    uploads = client.get(f"/api/v1/workflows/{rows[0]['id']}/uploads", headers=key).get_json()
    assert uploads["data"][0]["filename"] == "prompts.txt"


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    """onepin-mock --version names the installed package version."""
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"onepin-mock {version('onepin-mock')}"


# A value for each serve flag's variable, and how to see it in Settings.
ENV_VALUES: dict[str, tuple[str, str, object]] = {
    "--host": ("0.0.0.0", "host", "0.0.0.0"),
    "--port": ("9123", "port", 9123),
    "--seed": ("5", "seed", 5),
    "--fixtures": ("/tmp/x.yaml", "fixtures_path", Path("/tmp/x.yaml")),
    "--frozen-at": ("2026-11-01T10:00:00Z", "frozen_at", "2026-11-01T10:00:00+00:00"),
    "--run-speed": ("60", "run_speed", 60.0),
    "--required-sdk-version": ("0.16.0", "required_sdk_version", "0.16.0"),
    "--fault-rate": ("0.5", "fault_rate", 0.5),
    "--fault-status": ("502", "fault_status", 502),
    "--slow-rate": ("0.25", "slow_rate", 0.25),
    "--slow-ms": ("10", "slow_ms", 10),
    "--drop-rate": ("0.1", "drop_rate", 0.1),
    "--admin-token": ("tok", "admin_token", "tok"),
    "--journal-size": ("7", "journal_size", 7),
    "--snapshot-every": ("250", "snapshot_every", 250),
    "--cors-origin": ("https://a.example,https://b.example", "cors_origins",
                      ("https://a.example", "https://b.example")),
    "--allowed-host": ("mock.test, .corp.example", "allowed_hosts",
                       ("mock.test", ".corp.example")),
    "--cors-allow-null": ("1", "cors_allow_null_origin", True),
    "--cors-allow-credentials": ("1", "cors_allow_credentials", True),
    "--trust-proxy": ("yes", "trust_proxy", True),
    "--no-compress": ("on", "compress_responses", False),
    "--no-admin": ("true", "admin_enabled", False),
    "--strict": ("yes", "strict_responses", True),
    "--quiet": ("on", "access_log", False),
    "--state": ("sqlite:///tmp/state.db", "state_url", "sqlite:///tmp/state.db"),
    "--replay": ("/tmp/events.json", "replay_path", Path("/tmp/events.json")),
    "--secret": ("s" * 64, "jwt_secret", "s" * 64),
    "--insecure-admin": ("1", "insecure_admin", True),
    "--max-delay-ms": ("1234", "max_delay_ms", 1234),
    "--max-body-bytes": ("4096", "max_body_bytes", 4096),
    "--max-upload-bytes": ("2048", "max_upload_bytes", 2048),
    "--max-workspaces": ("7", "max_workspaces", 7),
}
# Read by the server, not Settings.
PROCESS_FLAGS = {"--threads": "3", "--workers": "2", "--watch": "1"}


def serve_flags() -> list[str]:
    serve = next(action for action in build_parser()._subparsers._group_actions  # type: ignore[union-attr]
                 ).choices["serve"]
    return sorted(option for action in serve._actions for option in action.option_strings
                  if option.startswith("--") and option != "--help")


def test_every_serve_flag_has_an_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each serve flag (switches included) reads ONEPIN_MOCK_<FLAG>; the README's promise."""
    flags = serve_flags()
    assert set(flags) == set(ENV_VALUES) | set(PROCESS_FLAGS)
    for flag, (raw, field, expected) in ENV_VALUES.items():
        with monkeypatch.context() as env:
            env.setenv("ONEPIN_MOCK_" + flag[2:].upper().replace("-", "_"), raw)
            settings = settings_from(build_parser().parse_args(["serve"]))
        value = getattr(settings, field)
        shown = value.isoformat() if field == "frozen_at" else value
        assert shown == expected, flag
    for flag, raw in PROCESS_FLAGS.items():
        monkeypatch.setenv("ONEPIN_MOCK_" + flag[2:].upper(), raw)
    args = build_parser().parse_args(["serve"])
    assert (args.threads, args.workers, args.watch) == (3, 2, True)


@pytest.mark.parametrize(("argv", "message"), [
    (["serve", "--run-speed", "fast"], "argument --run-speed: 'fast' is not a number"),
    (["serve", "--port", "http"], "argument --port: 'http' is not a whole number"),
    (["serve", "--port", "70000"], "argument --port: '70000' is not a port"),
    (["serve", "--fault-rate", "2"], "argument --fault-rate: '2' must be between 0 and 1"),
    (["serve", "--frozen-at", "noon"], "argument --frozen-at: 'noon' is not an ISO-8601"),
])
def test_flag_errors_speak_plainly(argv: list[str], message: str,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """A bad value names the flag and the problem, never a Python function name."""
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "invalid" not in err and "_" not in err.splitlines()[-1]


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("ONEPIN_MOCK_STRICT", "maybe", "ONEPIN_MOCK_STRICT='maybe': use 1/0"),
    ("ONEPIN_MOCK_PORT", "eighty", "ONEPIN_MOCK_PORT: 'eighty' is not a whole number"),
    ("ONEPIN_MOCK_RUN_SPEED", "fast", "ONEPIN_MOCK_RUN_SPEED: 'fast' is not a number"),
])
def test_a_bad_variable_is_reported_by_name(variable: str, value: str, message: str,
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """A bad ONEPIN_MOCK_* value is an error naming the variable, not a silent default."""
    monkeypatch.setenv(variable, value)
    assert main(["serve"]) == 2
    assert message in capsys.readouterr().err


def test_serve_prints_one_startup_line_and_one_line_per_request(tmp_path: Path) -> None:
    """The real command: one line saying where it listens, then one per request."""
    log = tmp_path / "serve.log"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [str(Path(sys.executable).parent / "onepin-mock"), "serve", "--port", str(port)]
    with log.open("w") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while "listening on" not in log.read_text():
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        url = log.read_text().split("listening on ")[1].split()[0]
        assert url == f"http://127.0.0.1:{port}"
        while True:  # the line comes before the worker process is ready
            try:
                assert httpx.get(f"{url}/api/v1/nodes?limit=1").status_code == 200
                break
            except httpx.TransportError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        deadline = time.monotonic() + 10
        while len(log.read_text().splitlines()) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    startup, *requests = log.read_text().splitlines()
    assert startup.startswith("onepin-mock ") and "/docs" in startup
    assert len(requests) == 1 and requests[0].endswith("ms")
    assert "GET /api/v1/nodes?limit=1 200 " in requests[0]


def test_one_log_line_per_request_unless_quiet(caplog: pytest.LogCaptureFixture) -> None:
    """Each request logs method, path, status and milliseconds; --quiet turns it off."""
    caplog.set_level(logging.INFO, logger="onepin_mock.access")
    loud = create_app(make_settings()).test_client()
    loud.get("/api/v1/nodes?limit=1")
    loud.get("/api/v1/workflows")
    lines = [r.getMessage() for r in caplog.records if r.name == "onepin_mock.access"]
    assert len(lines) == 2
    assert lines[0].startswith("GET /api/v1/nodes?limit=1 200 ") and lines[0].endswith("ms")
    assert lines[1].startswith("GET /api/v1/workflows 401 ")
    caplog.clear()
    quiet = create_app(make_settings(access_log=False)).test_client()
    quiet.get("/api/v1/nodes")
    assert not [r for r in caplog.records if r.name == "onepin_mock.access"]
