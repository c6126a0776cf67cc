"""The ``onepin-mock verify`` command line. Exit status: 0 no drift, 1 drift, 2 unusable."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ..junit import write_junit
from ..settings import DEFAULT_SPEC
from .report import junit_cases, markdown, summary
from .runner import VerifyOptions, verify
from .target import Credentials

EXAMPLES = """examples:
  onepin-mock verify --base-url https://staging.example.com --api-key "$ONEPIN_API_KEY" \\
      --junit verify.xml --report drift.md
  onepin-mock verify --base-url http://127.0.0.1:8080 \\
      --api-key op_live_demoAllScopesKeyForOnepinMock001 \\
      --limited-key op_live_demoReadOnlyKeyForOnepinMock0002 --max-examples 5 --time-limit 60
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onepin-mock verify", epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Check a live Onepin server (staging, production, or the mock) against "
                    "openapi.yaml: documented statuses and content types, response schemas, "
                    "the error envelope, pagination and aggregate invariants, and auth rules.")
    parser.add_argument("--base-url", required=True, help="the server to check")
    parser.add_argument("--api-key", default=os.environ.get("ONEPIN_API_KEY"),
                        help="an op_live_ API key (default: env ONEPIN_API_KEY)")
    parser.add_argument("--session-token", default=os.environ.get("ONEPIN_SESSION_TOKEN"),
                        help="a session JWT (default: env ONEPIN_SESSION_TOKEN)")
    parser.add_argument("--workspace", help="X-Workspace-Id to send with the session")
    parser.add_argument("--limited-key", help="an API key lacking some scopes: operations "
                                              "needing one of them must answer 403")
    parser.add_argument("--writes", action="store_true",
                        help="also test write operations (on copies it removes afterwards)")
    parser.add_argument("--max-examples", type=int, default=10,
                        help="generated requests per operation and mode (default %(default)s)")
    parser.add_argument("--time-limit", type=float, default=300.0,
                        help="seconds for the whole run (default %(default)s)")
    parser.add_argument("--operation", action="append", default=[], metavar="OPERATION_ID",
                        help="check only this operation (repeatable)")
    parser.add_argument("--junit", type=Path, help="write a JUnit XML file")
    parser.add_argument("--report", type=Path, help="write the Markdown drift report")
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(argv) if argv is not None else None)
    credentials = Credentials(api_key=args.api_key, session_token=args.session_token,
                              workspace=args.workspace, limited_key=args.limited_key)
    if not credentials.secrets:
        print("onepin-mock verify: give --api-key (or ONEPIN_API_KEY) or --session-token",
              file=sys.stderr)
        return 2
    options = VerifyOptions(base_url=args.base_url, credentials=credentials,
                            writes=args.writes, max_examples=args.max_examples,
                            time_limit=args.time_limit, spec_path=args.spec,
                            only=tuple(args.operation))
    outcome = verify(options, lambda line: print(line, file=sys.stderr, flush=True))
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(markdown(outcome, credentials.secrets), encoding="utf-8")
    if args.junit:
        write_junit(args.junit, "onepin-mock verify", junit_cases(outcome, credentials.secrets))
    print(summary(outcome))
    return 1 if outcome.drift else 0
