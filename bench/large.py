"""The "large workspace" section of the benchmark (issue 9, Scale).

Serves the default fixtures with the demo workspace grown to 10,000 workflows of 100 runs
each (a million runs) next to the default dataset, one worker each, and measures on both:
startup to ``/__mock/health`` and to the first list page, p50/p99 of the first list page
sorted by ``runs_count``, a page deep in the list (``offset=9000``; ``offset=5``, the last
full page of 20, on the default dataset), one run and its data, and the worker's peak RSS once
those pages were read. Latencies come from one client on one kept-alive connection
(``--requests`` each, after one untimed request), so they are the server's time per request
without queueing.

``bash bench/run`` includes it; alone, while working on it:
``.venv/bin/python bench/large.py [--requests 200]`` (prints the section only).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from compare import (  # bench/ is the script's folder, so first on sys.path
    AUTH,
    ROOT,
    Server,
    descendants,
    peak_rss_mib,
    start_mock,
    stop_process,
)

WORKFLOWS, RUNS = 10_000, 100
DEFAULT_FIXTURES = ROOT / "mockserver" / "fixtures" / "default.yaml"
FIRST_PAGE = "/api/v1/workflows?limit=20&sort=runs_count"


@dataclass
class Measured:
    health_s: float
    first_list_ms: float
    latencies: dict[str, tuple[float, float]] = field(default_factory=dict)  # p50, p99 ms
    rss_mib: float = 0.0


def large_fixtures(directory: Path) -> Path:
    """The default fixtures with the demo workspace (the first) grown to a million runs."""
    document = yaml.safe_load(DEFAULT_FIXTURES.read_text(encoding="utf-8"))
    document["workspaces"][0].update(workflow_count=WORKFLOWS, runs_per_workflow=RUNS)
    path = directory / "large.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _get(connection: http.client.HTTPConnection, path: str) -> tuple[float, bytes]:
    started = time.perf_counter()
    connection.request("GET", path, headers=AUTH)
    response = connection.getresponse()
    body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    if response.status != 200:
        raise SystemExit(f"GET {path}: {response.status} {body[:200]!r}")
    return elapsed, body


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


class Client:
    """One server, one kept-alive connection, and the paths it is measured on."""

    def __init__(self, server: Server, deep_offset: int) -> None:
        self.server = server
        self.connection = http.client.HTTPConnection(server.base.removeprefix("http://"),
                                                     timeout=120)
        first_ms, _body = _get(self.connection, FIRST_PAGE)
        self.measured = Measured(server.startup_s, first_ms)
        deep = f"/api/v1/workflows?limit=20&offset={deep_offset}"
        workflow = json.loads(_get(self.connection, deep)[1])["data"][0]["id"]
        runs = json.loads(_get(self.connection, f"/api/v1/workflows/{workflow}/runs?limit=1")[1])
        run = f"/api/v1/workflows/{workflow}/runs/{runs['data'][0]['id']}"
        self.paths = {"first list page, sort=runs_count": FIRST_PAGE, "deep list page": deep,
                      "one run": run, "its data, limit=50": f"{run}/data?limit=50"}

    def finish(self) -> Measured:
        self.connection.close()
        pids = descendants(self.server.process.pid) or [self.server.process.pid]
        self.measured.rss_mib = max(peak_rss_mib(pid) for pid in pids)
        return self.measured


def run_both(threads: int, requests: int) -> tuple[Measured, Measured]:
    """Both servers up at once, their requests interleaved one by one, so load from
    elsewhere on a shared machine falls on both alike."""
    with tempfile.TemporaryDirectory() as scratch:
        fixtures = large_fixtures(Path(scratch))
        servers: list[Server] = []
        try:
            for extra in ((), ("--fixtures", str(fixtures))):
                servers.append(start_mock("onepin-mock, 1 worker", 1, threads, *extra,
                                          probe="/__mock/health"))
            clients = [Client(servers[0], 5), Client(servers[1], 9000)]
            for name in clients[0].paths:
                samples: list[list[float]] = [[], []]
                for client in clients:
                    _get(client.connection, client.paths[name])
                for _ in range(requests):
                    for client, timed in zip(clients, samples, strict=True):
                        timed.append(_get(client.connection, client.paths[name])[0])
                for client, timed in zip(clients, samples, strict=True):
                    client.measured.latencies[name] = _percentiles(timed)
            default, large = (client.finish() for client in clients)
        finally:
            for server in servers:
                stop_process(server.process)
    return default, large


def section(threads: int = 8, requests: int = 200) -> list[str]:
    """The Markdown lines of the section."""
    default, large = run_both(threads, requests)
    lines = [
        f"## Large workspace ({WORKFLOWS:,} workflows x {RUNS} runs)",
        "",
        "One worker each; latencies from one client on one kept-alive connection, "
        f"{requests} requests per row after one untimed request. The deep page is "
        "`offset=9000` in the large workspace and `offset=5` (the last full page of 20) in "
        "the default one.",
        "",
        "| figure | default dataset | large workspace | large / default |",
        "|---|---:|---:|---:|",
        f"| startup to the first 200 of `/__mock/health` | {default.health_s:.2f} s "
        f"| {large.health_s:.2f} s | {large.health_s / default.health_s:.2f} |",
        f"| first list request (`{FIRST_PAGE}`), generating the workspace "
        f"| {default.first_list_ms:.0f} ms | {large.first_list_ms:.0f} ms | |",
    ]
    for name, (p50, p99) in large.latencies.items():
        base50, base99 = default.latencies[name]
        lines.append(f"| {name}: p50 / p99 | {base50:.1f} / {base99:.1f} ms "
                     f"| {p50:.1f} / {p99:.1f} ms | {p50 / base50:.2f} (p50) |")
    lines.append(f"| peak RSS of the worker after these pages | {default.rss_mib:.0f} MiB "
                 f"| {large.rss_mib:.0f} MiB | |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=8, help="threads of the worker")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per row")
    args = parser.parse_args()
    print("\n".join(section(args.threads, args.requests)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
