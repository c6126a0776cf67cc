"""``onepin-mock proxy``: forward to an upstream Onepin API, check both directions against
openapi.yaml, and optionally record what passed as fixtures the mock loads.

Layering: ``cli`` -> ``server`` (threads, ports) -> ``app`` (one WSGI app: relay, admin
endpoints) -> ``validation`` (requests through ``mockserver.requests``, answers through
``mockserver.verify.checks``), ``journal`` and ``recorder``. No Flask, no mock state:
the upstream may be any server.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    from .cli import main as proxy_main

    return proxy_main(argv)
