"""``onepin-mock``: the command-line front end. It only overrides ``Settings``.

Every ``serve`` option can also come from an environment variable named
``ONEPIN_MOCK_<OPTION>`` (e.g. ``ONEPIN_MOCK_PORT=9000``), which is how the Docker
image configures it; a flag on the command line wins over the variable.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from .errors import StartupError
from .formats import parse_zoned_datetime
from .hosts import is_loopback_bind
from .settings import Settings
from .world.events import StateUrlError

ENV_PREFIX = "ONEPIN_MOCK_"
MIN_SECRET_BYTES = 32
DEFAULTS = Settings()

SERVE_EXAMPLES = """examples:
  onepin-mock serve                                   # 127.0.0.1:8080, seed 0, demo fixtures
  onepin-mock serve --port 9000 --seed 7 --fixtures my-fixtures.yaml
  onepin-mock serve --run-speed 60                    # runs progress a minute per second
  onepin-mock serve --frozen-at 2026-11-01T10:00:00Z  # time stands still
  onepin-mock serve --fault-rate 0.1 --fault-status 503   # 10% of requests fail (seeded)
  onepin-mock serve --cors-origin https://app.example.com --admin-token s3cret
  onepin-mock serve --host 0.0.0.0 --admin-token s3cret --secret "$(openssl rand -hex 32)"
  onepin-mock serve --allowed-host mock.test          # also answer Host: mock.test (a proxy)
  onepin-mock serve --workers 2                       # two processes sharing one state
  onepin-mock serve --state sqlite:///mock-state.db   # keep every write across restarts
  onepin-mock serve --state redis://10.0.0.5:6379/0   # one mock shared by several machines
  onepin-mock serve --frozen-at 2026-11-01T10:00:00Z --replay events.json   # reproduce a state
  onepin-mock serve --fixtures my-fixtures.yaml --watch   # edits apply without a restart
"""
CHECK_EXAMPLES = """examples:
  onepin-mock check                          # the packaged spec and demo fixtures
  onepin-mock check --fixtures my.yaml       # exit 1 and name file:line:field on error
"""
TOKEN_EXAMPLES = """examples:
  onepin-mock token --user b11a6feb-8597-5691-a36d-7d425071868e
  curl -H "Authorization: Bearer $(onepin-mock token --user ...)" \\
       -H "X-Workspace-Id: 6ec9a28f-de78-58e7-8616-48891f256dec" localhost:8080/api/v1/workflows
"""
EXPORT_EXAMPLES = """examples:
  onepin-mock export > seed0.yaml            # the whole seeded dataset as fixtures
  onepin-mock export --seed 7 --workspace 6ec9a28f-de78-58e7-8616-48891f256dec --out ws.yaml
  onepin-mock export --state sqlite:///mock-state.db --events events.json   # the event log
"""


class BadEnvironmentValue(ValueError):
    """An ONEPIN_MOCK_* variable holds a value its flag would refuse."""


# Value parsers. Each raises ArgumentTypeError with a message for people: argparse would
# otherwise print the parser's Python name ("invalid _positive value").
def _zoned(text: str) -> datetime:
    try:
        return parse_zoned_datetime(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO-8601 instant with an offset "
            "(e.g. 2026-11-01T10:00:00Z)") from exc


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from exc


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from exc


def _positive(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return value


def _share(text: str) -> float:
    value = _number(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be between 0 and 1")
    return value


def _port(text: str) -> int:
    value = _integer(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0-65535)")
    return value


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def env_name(flag: str) -> str:
    return ENV_PREFIX + flag.upper().replace("-", "_")


def _error_status(text: str) -> int:
    value = _integer(text)
    if not 400 <= value <= 599:
        raise argparse.ArgumentTypeError("must be an error status (400-599)")
    return value


def _non_negative(text: str) -> int:
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def _positive_int(text: str) -> int:
    value = _integer(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def _secret(text: str) -> str:
    # HS256 wants a key at least as long as its hash: a short one can be guessed offline.
    if len(text.encode()) < MIN_SECRET_BYTES:
        raise argparse.ArgumentTypeError(f"must be at least {MIN_SECRET_BYTES} bytes long")
    return text


def _add_secret(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--secret", type=_secret, default=_env("secret", None, _secret),
                        help="secret that signs session tokens and download links; set it on "
                             "a shared host (default: a public development secret on loopback, "
                             f"a random one otherwise; env {ENV_PREFIX}SECRET)")


def _env(name: str, default: Any, parse: Callable[[str], Any] = str) -> Any:
    """The variable's value, parsed like the flag's (a bad one names the variable), or
    the default."""
    raw = os.environ.get(env_name(name))
    if raw is None:
        return default
    try:
        return parse(raw)
    except argparse.ArgumentTypeError as exc:
        raise BadEnvironmentValue(f"{env_name(name)}: {exc}") from exc


def _env_switch(name: str) -> bool:
    raw = os.environ.get(env_name(name), "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise BadEnvironmentValue(f"{env_name(name)}={raw!r}: use 1/0, true/false, yes/no or on/off")


def _option(parser: argparse.ArgumentParser, name: str, default: Any, help_text: str,
            parse: Callable[[str], Any] = str) -> None:
    parser.add_argument(f"--{name}", type=parse, default=_env(name, default, parse),
                        help=f"{help_text} (default: %(default)s; env {env_name(name)})")


def _switch(parser: argparse.ArgumentParser, name: str, help_text: str) -> None:
    parser.add_argument(f"--{name}", action="store_true", default=_env_switch(name),
                        help=f"{help_text} (env {env_name(name)}=1)")


def _add_world_options(parser: argparse.ArgumentParser) -> None:
    _option(parser, "seed", DEFAULTS.seed, "dataset seed", _integer)
    _option(parser, "fixtures", DEFAULTS.fixtures_path, "fixtures YAML", Path)


def _add_state_option(parser: argparse.ArgumentParser) -> None:
    _option(parser, "state", DEFAULTS.state_url, "where the event log lives: memory, "
            "sqlite:///PATH or redis://HOST:PORT/DB[?namespace=NAME]; with --workers above 1, "
            "memory means a temporary SQLite file")


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number of at least 1")
    return value


def _add_serve(commands: Any) -> None:
    serve = commands.add_parser("serve", help="serve the mock API", epilog=SERVE_EXAMPLES,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    _option(serve, "host", DEFAULTS.host, "interface to listen on")
    _option(serve, "port", DEFAULTS.port, "port (0 = any free port)", _port)
    _add_world_options(serve)
    _option(serve, "frozen-at", None, "freeze the clock at this ISO-8601 instant", _zoned)
    _option(serve, "run-speed", DEFAULTS.run_speed, "run-time factor; 60 = a minute per second",
            _positive)
    _option(serve, "required-sdk-version", DEFAULTS.required_sdk_version,
            "advertised SDK floor; older onepin clients get 426")
    _option(serve, "fault-rate", DEFAULTS.fault_rate, "share of requests that fail", _share)
    _option(serve, "fault-status", DEFAULTS.fault_status, "status of injected failures",
            _error_status)
    _option(serve, "slow-rate", DEFAULTS.slow_rate, "share of requests answered slowly", _share)
    _option(serve, "slow-ms", DEFAULTS.slow_ms, "delay of slow answers (ms)", _integer)
    _option(serve, "drop-rate", DEFAULTS.drop_rate, "share of connections dropped", _share)
    _option(serve, "admin-token", DEFAULTS.admin_token, "token the /__mock/ API requires")
    _option(serve, "max-delay-ms", DEFAULTS.max_delay_ms,
            "longest delay X-Mock-Delay or a slow fault may hold an answer", _non_negative)
    _option(serve, "max-body-bytes", DEFAULTS.max_body_bytes,
            "largest request body accepted (larger ones get 413)", _positive_int)
    _option(serve, "max-upload-bytes", DEFAULTS.max_upload_bytes,
            "largest file one upload may hold (a larger PUT gets 413)", _positive_int)
    _option(serve, "max-workspaces", DEFAULTS.max_workspaces,
            "workspaces POST /__mock/workspaces may create before a reset (then 429)",
            _positive_int)
    _switch(serve, "insecure-admin", "serve the /__mock/ API without --admin-token on a "
            "non-loopback address")
    _add_secret(serve)
    _option(serve, "journal-size", DEFAULTS.journal_size, "requests kept in the journal",
            _integer)
    _option(serve, "snapshot-every", DEFAULTS.snapshot_every,
            "with a SQLite or Redis state: write a snapshot of the state (at a quiet moment) "
            "after this many events, so a restart replays only the later ones; 0: never",
            _non_negative)
    _option(serve, "threads", 8, "threads per worker process", _at_least_one)
    _option(serve, "workers", 1, "worker processes (they share the state log)", _at_least_one)
    _add_state_option(serve)
    _option(serve, "replay", None, "start from the events in this file (saved from "
            "GET /__mock/events)", Path)
    serve.add_argument("--cors-origin", action="append", default=None,
                       help="allowed browser origin (repeatable; '*' for any). Default: "
                            f"loopback origins only; env {env_name('cors-origin')} "
                            "(comma list)")
    serve.add_argument("--allowed-host", action="append", default=None,
                       help="also answer requests whose Host header names this host (repeatable; "
                            "'name' any port, 'name:port', '.domain' and its subdomains, '*' any "
                            "host). On a loopback bind only loopback names are answered "
                            "otherwise (DNS rebinding); env "
                            f"{env_name('allowed-host')} (comma list)")
    _switch(serve, "cors-allow-null", "also allow 'Origin: null' (pages opened from file://)")
    _switch(serve, "cors-allow-credentials", "answer allowed origins with "
            "Access-Control-Allow-Credentials: true (fetch credentials: 'include')")
    _switch(serve, "trust-proxy", "build links from Forwarded / X-Forwarded-Host and -Proto "
            "(behind a dev server's proxy)")
    _switch(serve, "no-compress", "never gzip or brotli-encode answers")
    _switch(serve, "no-admin", "turn the /__mock/ API and console off (file links stay)")
    _switch(serve, "strict", "check every response against openapi.yaml (for debugging)")
    _switch(serve, "quiet", "no log line per request")
    _switch(serve, "watch", "reload the --fixtures file when it changes (a bad edit is "
            "reported with file:line and the fixtures in force stay)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="onepin-mock",
                                     description="Offline mock of the Onepin workflow API.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    _add_serve(commands)
    check = commands.add_parser("check", help="validate the spec and a fixtures file",
                                epilog=CHECK_EXAMPLES,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_world_options(check)
    token = commands.add_parser("token", help="mint a session JWT for a fixture user",
                                epilog=TOKEN_EXAMPLES,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    token.add_argument("--user", required=True, help="fixture user id")
    token.add_argument("--ttl", type=int, default=DEFAULTS.jwt_ttl_seconds, help="seconds")
    _add_secret(token)
    _add_world_options(token)
    export = commands.add_parser("export", help="write the seeded dataset as fixtures YAML",
                                 epilog=EXPORT_EXAMPLES,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    _add_world_options(export)
    export.add_argument("--workspace", help="only this workspace")
    export.add_argument("--out", type=Path, help="file to write (default: stdout)")
    export.add_argument("--events", type=Path, help="write the state log's events to this "
                        "file instead (for serve --replay)")
    _add_state_option(export)
    _option(export, "frozen-at", None, "instant at which run statuses are read", _zoned)
    commands.add_parser("conformance", help="run the SDK/CLI conformance matrix",
                        add_help=False)
    commands.add_parser("verify", help="check a live server against openapi.yaml",
                        add_help=False)
    commands.add_parser("proxy", help="validating (and recording) proxy to an upstream API",
                        add_help=False)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    base = dataclasses.replace(DEFAULTS, seed=args.seed, fixtures_path=args.fixtures)
    if getattr(args, "secret", None):
        base = dataclasses.replace(base, jwt_secret=args.secret)
    if args.command == "export":
        return dataclasses.replace(base, state_url=args.state)
    if args.command != "serve":
        return base
    from_env = _env("cors-origin", None) or _env("cors-origins", "")
    origins = args.cors_origin or [o.strip() for o in from_env.split(",") if o.strip()]
    hosts_from_env = _env("allowed-host", None) or _env("allowed-hosts", "")
    hosts = args.allowed_host or [h.strip() for h in hosts_from_env.split(",") if h.strip()]
    return dataclasses.replace(
        base, host=args.host, port=args.port, frozen_at=args.frozen_at,
        run_speed=args.run_speed, required_sdk_version=args.required_sdk_version,
        strict_responses=args.strict, fault_rate=args.fault_rate,
        fault_status=args.fault_status, slow_rate=args.slow_rate, slow_ms=args.slow_ms,
        drop_rate=args.drop_rate, admin_token=args.admin_token or None,
        admin_enabled=not args.no_admin, journal_size=args.journal_size,
        cors_origins=tuple(origins), allowed_hosts=tuple(hosts),
        cors_allow_null_origin=args.cors_allow_null,
        cors_allow_credentials=args.cors_allow_credentials, trust_proxy=args.trust_proxy,
        compress_responses=not args.no_compress,
        access_log=not args.quiet, state_url=args.state, replay_path=args.replay,
        max_delay_ms=args.max_delay_ms,
        max_body_bytes=args.max_body_bytes, max_upload_bytes=args.max_upload_bytes,
        insecure_admin=args.insecure_admin,
        max_workspaces=args.max_workspaces, snapshot_every=args.snapshot_every,
    )


def is_loopback(host: str) -> bool:
    """An address on loopback, or a name that resolves only to loopback addresses."""
    return is_loopback_bind(host)


def exposure_settings(settings: Settings, secret_given: bool) -> Settings:
    """Refuse an open control API on a non-loopback bind; never sign with the public
    development secret there either."""
    if is_loopback(settings.host):
        return settings
    if settings.admin_enabled and not settings.admin_token and not settings.insecure_admin:
        raise StartupError(
            f"refusing to serve the /__mock/ control API on {settings.host} without "
            "--admin-token (add --insecure-admin to allow it, or --no-admin to turn it off)")
    if secret_given:
        return settings
    print("onepin-mock: signing session tokens and links with a random secret; pass --secret "
          "to mint tokens elsewhere (onepin-mock token --secret ...)", file=sys.stderr)
    return dataclasses.replace(settings, jwt_secret=secrets.token_urlsafe(32))


def package_version() -> str:
    try:
        return metadata.version("onepin-mock")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "unknown"


def check(settings: Settings) -> int:
    from .app import create_app, mock_of

    app = create_app(settings)
    world = mock_of(app).world
    for workspace_id in world.fixtures.workspaces:
        world.workspace(workspace_id)  # generation applies pinned records too
    print(f"ok: {settings.spec_path} and {settings.fixtures_path} are valid")
    return 0


def token(settings: Settings, user_id: str, ttl: int) -> int:
    from .app import create_app, mock_of
    from .session_tokens import mint_session_token

    world = mock_of(create_app(settings)).world
    if user_id not in world.fixtures.users:
        print(f"onepin-mock: unknown user {user_id} in {settings.fixtures_path}", file=sys.stderr)
        return 1
    print(mint_session_token(settings.jwt_secret, user_id, datetime.now(UTC), ttl))
    return 0


def export_events(settings: Settings, out: Path) -> int:
    from .state_backends import open_state
    from .world.events.files import events_document

    opened = open_state(settings.state_url, 0)
    document = events_document(opened.log.read(0))
    out.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(document['events'])} events from {settings.state_url} written to {out}")
    return 0


def export(settings: Settings, workspace: str | None, out: Path | None) -> int:
    from .app import create_app, mock_of
    from .world.views.state_export import export_state

    world = mock_of(create_app(settings)).world
    if workspace and not world.known_workspace(workspace):
        print(f"onepin-mock: unknown workspace {workspace}", file=sys.stderr)
        return 1
    text, _total = export_state(world, workspace, world.clock.now())
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
    return 0


def _run(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    if args.command == "serve":
        from .serving import serve

        serve(exposure_settings(settings, bool(args.secret)), args.workers, args.threads,
              package_version(), watch=args.watch)
        return 0
    if args.command == "check":
        return check(settings)
    if args.command == "token":
        return token(settings, args.user, args.ttl)
    if args.events is not None:
        return export_events(settings, args.events)
    frozen = dataclasses.replace(settings, frozen_at=args.frozen_at or settings.dataset_epoch)
    return export(frozen, args.workspace, args.out)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["conformance"]:
        from .conformance import main as conformance_main

        return conformance_main(argv[1:])
    if argv[:1] == ["verify"]:
        from .verify import main as verify_main

        return verify_main(argv[1:])
    if argv[:1] == ["proxy"]:
        from .proxy import main as proxy_main

        return proxy_main(argv[1:])
    try:
        parser = build_parser()
    except BadEnvironmentValue as exc:
        print(f"onepin-mock: {exc}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    try:
        return _run(args)
    except (StartupError, StateUrlError) as exc:
        print(f"onepin-mock: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
