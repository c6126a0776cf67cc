"""What answering compressed costs: bytes saved and time spent per answer, per encoding.

In-process (no server, no network): the app answers three typical large bodies (a list page
with definitions, a run's data page, ``openapi.json``) through Flask's test client, plain
and with ``Accept-Encoding: gzip`` and ``br``; it prints the size of each and the median
extra time per answer. ``bench/bench.py`` prints the same table after its own figures.

    .venv/bin/python bench/compression.py [--repeat 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from typing import Any

KEY = {"Authorization": "Bearer op_live_demoAllScopesKeyForOnepinMock001"}
CODINGS = ("identity", "gzip", "br")


def _pages(client: Any) -> dict[str, str]:
    workflows = "/api/v1/workflows"
    listed = client.get(f"{workflows}?status=completed&limit=1", headers=KEY).get_json()
    workflow = listed["data"][0]["id"]
    run = client.get(f"{workflows}/{workflow}/runs?status=completed&limit=1",
                     headers=KEY).get_json()["data"][0]["id"]
    return {"list page, definitions": f"{workflows}?limit=100&include_definition=true",
            "run data page": f"{workflows}/{workflow}/runs/{run}/data?limit=50",
            "openapi.json": "/openapi.json"}


def _timed(client: Any, path: str, coding: str, repeat: int) -> tuple[int, float]:
    headers = {**KEY, "Accept-Encoding": coding}
    size, times = 0, []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        size = len(response.get_data())
        times.append((time.perf_counter() - started) * 1000)
    return size, statistics.median(times)


def report(repeat: int = 30) -> list[str]:
    """Lines of the table: per page, size and median answer time plain, gzip and brotli."""
    from mockserver.app import create_app
    from mockserver.settings import Settings

    client = create_app(Settings()).test_client()
    lines = [f"{'answer':<24} " + " ".join(f"{c + ' KB':>12} {c + ' ms':>12}" for c in CODINGS)]
    for name, path in _pages(client).items():
        _timed(client, path, "identity", 3)  # warm the read caches first
        cells = []
        for coding in CODINGS:
            size, ms = _timed(client, path, coding, repeat)
            cells.append(f"{size / 1024:12.1f} {ms:12.2f}")
        lines.append(f"{name:<24} " + " ".join(cells))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=30, help="answers timed per cell")
    args = parser.parse_args()
    print("\n".join(report(args.repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
