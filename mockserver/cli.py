"""``onepin-mock``: the command-line front end. It only overrides ``Settings``."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import StartupError
from .formats import parse_zoned_datetime
from .settings import Settings

SERVE_EXAMPLES = """examples:
  onepin-mock serve                                   # 127.0.0.1:8080, seed 0, demo fixtures
  onepin-mock serve --port 9000 --seed 7
  onepin-mock serve --run-speed 60                    # runs progress a minute per second
  onepin-mock serve --frozen-at 2026-11-01T10:00:00Z  # time stands still
"""


def _datetime(text: str) -> object:
    try:
        return parse_zoned_datetime(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: expected ISO-8601 with an offset") from exc


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be greater than 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    defaults = Settings()
    parser = argparse.ArgumentParser(prog="onepin-mock",
                                     description="Offline mock of the Onepin workflow API.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the mock API",
                                epilog=SERVE_EXAMPLES,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--host", default=defaults.host, help="interface (default %(default)s)")
    serve.add_argument("--port", type=int, default=defaults.port,
                       help="port, 0 for any free one (default %(default)s)")
    serve.add_argument("--seed", type=int, default=defaults.seed,
                       help="dataset seed (default %(default)s)")
    serve.add_argument("--fixtures", type=Path, default=defaults.fixtures_path,
                       help="fixtures YAML (default: the packaged demo fixtures)")
    serve.add_argument("--frozen-at", type=_datetime, default=None,
                       help="freeze the clock at this ISO-8601 instant")
    serve.add_argument("--run-speed", type=_positive, default=defaults.run_speed,
                       help="run-time speed factor: 60 = one real second is a run minute")
    serve.add_argument("--required-sdk-version", default=defaults.required_sdk_version,
                       help="advertised SDK floor; older onepin clients get 426")
    serve.add_argument("--strict", action="store_true",
                       help="check every response against openapi.yaml (for debugging)")
    serve.add_argument("--threads", type=int, default=8, help="worker threads")
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    return dataclasses.replace(
        Settings(), host=args.host, port=args.port, seed=args.seed,
        fixtures_path=args.fixtures, frozen_at=args.frozen_at, run_speed=args.run_speed,
        required_sdk_version=args.required_sdk_version, strict_responses=args.strict,
    )


def serve(settings: Settings, threads: int) -> None:
    from waitress import serve as waitress_serve

    from .app import create_app

    app = create_app(settings)
    print(f"onepin-mock listening on http://{settings.host}:{settings.port}", flush=True)
    waitress_serve(app, host=settings.host, port=settings.port, threads=threads,
                   ident="onepin-mock")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        if args.command == "serve":
            serve(settings_from(args), args.threads)
    except StartupError as exc:
        print(f"onepin-mock: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
