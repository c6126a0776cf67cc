"""The ``onepin-mock proxy`` command line."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from .server import build_proxy

EXAMPLES = """examples:
  onepin-mock proxy --upstream https://staging.example.com --port 8081
  onepin-mock proxy --upstream http://127.0.0.1:8080 --record recorded/
  curl -s localhost:8081/__mock/violations        # what broke the contract so far
  onepin-mock serve --fixtures recorded/fixtures.yaml   # replay what was recorded
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onepin-mock proxy", epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Forward every request to an upstream Onepin API and check the request "
                    "and the answer against openapi.yaml; report violations in an "
                    "X-OnePin-Contract-Violation header, the log and /__mock/violations.")
    parser.add_argument("--upstream", required=True, help="the API to forward to")
    parser.add_argument("--host", default="127.0.0.1", help="interface (default %(default)s)")
    parser.add_argument("--port", type=int, default=8081, help="port (default %(default)s)")
    parser.add_argument("--record", type=Path, metavar="DIR",
                        help="write what passes as fixtures (DIR/fixtures.yaml), secrets "
                             "replaced")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # werkzeug's threaded server: the proxy's time goes to waiting on the upstream, and it
    # keeps the proxy free of the mock's worker machinery.
    from werkzeug.serving import make_server

    args = build_parser().parse_args(list(argv) if argv is not None else None)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = build_proxy(args.upstream, args.record)
    print(f"onepin-mock proxy on http://{args.host}:{args.port} -> {args.upstream}", flush=True)
    if args.record:
        print(f"recording to {args.record / 'fixtures.yaml'}; API keys are replaced by "
              "stand-ins (see its api_keys section)", flush=True)
    server = make_server(args.host, args.port, app, threaded=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
