"""Measure onepin-mock: startup time, latency per endpoint, throughput and memory.

Starts `onepin-mock serve` on 127.0.0.1 (a free port), sends a bounded number of
requests from a few client threads, prints figures and stops the server. Nothing here
is asserted; numbers are for the README and for spotting regressions by eye.

    .venv/bin/python bench/bench.py [--requests 2000] [--threads 4] [--workers 2]
                                    [--state sqlite:///tmp/bench.db]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

KEY = "op_live_demoAllScopesKeyForOnepinMock001"
MAX_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str, key: bool = True) -> tuple[int, float]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {KEY}"} if key
                                     else {})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        return response.status, (time.perf_counter() - started) * 1000


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def rss_mib(pid: int) -> str:
    """The server's RSS and, per worker process, theirs (granian serves from children)."""
    workers = [_rss_kib(child) / 1024 for child in _children(pid)]
    detail = ", ".join(f"{w:.1f}" for w in workers)
    return f"{_rss_kib(pid) / 1024:.1f} MiB RSS (server) + workers [{detail}] MiB"


def wait_ready(base: str) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < 30:
        try:
            get(f"{base}/__mock/health", key=False)
            return time.perf_counter() - started
        except OSError:
            time.sleep(0.05)
    raise SystemExit("server did not become ready")


def targets(base: str) -> dict[str, str]:
    import json

    with urllib.request.urlopen(urllib.request.Request(
            f"{base}/api/v1/workflows?limit=100&status=completed",
            headers={"Authorization": f"Bearer {KEY}"})) as response:
        workflow = json.load(response)["data"][0]["id"]
    with urllib.request.urlopen(urllib.request.Request(
            f"{base}/api/v1/workflows/{workflow}/runs?status=completed",
            headers={"Authorization": f"Bearer {KEY}"})) as response:
        run = json.load(response)["data"][0]["id"]
    w, r = f"{base}/api/v1/workflows/{workflow}", f"{base}/api/v1/workflows/{workflow}/runs/{run}"
    return {"list workflows": f"{base}/api/v1/workflows?limit=20",
            "get workflow": w, "list runs": f"{w}/runs", "run status": f"{r}/status",
            "run detail": r, "run data": f"{r}/data?limit=50", "run overview": f"{r}/overview",
            "nodes": f"{base}/api/v1/nodes"}


def measure(url: str, count: int, threads: int) -> tuple[list[float], float]:
    deadline = time.perf_counter() + MAX_SECONDS
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(lambda _: get(url) if time.perf_counter() < deadline
                                else (0, 0.0), range(count)))
    return [ms for status, ms in results if status == 200], time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400, help="requests per endpoint")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--workers", type=int, default=1, help="serve --workers")
    parser.add_argument("--state", default="memory", help="serve --state")
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ONEPIN_MOCK_PORT": str(port)}
    cli = Path(sys.executable).parent / "onepin-mock"
    server = subprocess.Popen([str(cli), "serve", "--workers", str(args.workers),
                               "--state", args.state], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        print(f"startup until /__mock/health answers: {wait_ready(base) * 1000:.0f} ms")
        print(f"memory after startup: {rss_mib(server.pid)}")
        first = time.perf_counter()
        urls = targets(base)
        print(f"first workspace access (dataset generation): "
              f"{(time.perf_counter() - first) * 1000:.0f} ms")
        print(f"\n{'endpoint':<16} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8}")
        for name, url in urls.items():
            latencies, elapsed = measure(url, args.requests, args.threads)
            quantiles = statistics.quantiles(latencies, n=20)
            print(f"{name:<16} {statistics.median(latencies):8.2f} {quantiles[18]:8.2f} "
                  f"{len(latencies) / elapsed:8.0f}")
        print(f"\nmemory after the run: {rss_mib(server.pid)}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    print("\ncompression (in-process; sizes and median time per answer):")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from compression import report
    print("\n".join(report()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
