"""Profile the read path in process (no HTTP server): where one request's CPU goes.

    .venv/bin/python bench/profile_read.py [--requests 200] [--top 25] [--no-profile]
                                           [--state sqlite:///PATH]

Builds the app as ``serve`` does (auth and request validation on), warms the default
workspace, then times each endpoint with Flask's test client and prints the cProfile
of the whole loop, sorted by cumulative time. Used for bench/NOTES.md. ``--no-profile``
times the same loop without cProfile (its overhead roughly doubles Python-heavy code);
``--state sqlite:///PATH`` reads and writes the log as ``serve --workers 2`` does.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import pstats
import time

from mockserver.app import create_app
from mockserver.settings import Settings

KEY = "op_live_demoAllScopesKeyForOnepinMock001"
AUTH = {"Authorization": f"Bearer {KEY}"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument("--state", default="memory")
    args = parser.parse_args()
    started = time.perf_counter()
    app = create_app(dataclasses.replace(Settings(), state_url=args.state))
    print(f"create_app: {(time.perf_counter() - started) * 1000:.0f} ms")
    client = app.test_client()
    started = time.perf_counter()
    body = client.get("/api/v1/workflows?limit=100&status=completed", headers=AUTH).get_json()
    print(f"first list (generates the workspace): {(time.perf_counter() - started) * 1000:.0f} ms")
    workflow = body["data"][0]["id"]
    runs = client.get(f"/api/v1/workflows/{workflow}/runs?status=completed", headers=AUTH)
    run = runs.get_json()["data"][0]["id"]
    w, r = f"/api/v1/workflows/{workflow}", f"/api/v1/workflows/{workflow}/runs/{workflow and run}"
    paths = {"list": "/api/v1/workflows?limit=20", "workflow": w, "run": r,
             "data": f"{r}/data?limit=50", "summary": f"{w}/runs/summary"}
    profile = cProfile.Profile()
    for name, path in paths.items():
        client.get(path, headers=AUTH)
        started, cpu = time.perf_counter(), time.process_time()
        if not args.no_profile:
            profile.enable()
        for _ in range(args.requests):
            response = client.get(path, headers=AUTH)
        profile.disable()
        assert response.status_code == 200, (path, response.status_code)
        print(f"{name:<10} {(time.perf_counter() - started) * 1000 / args.requests:7.2f} ms"
              f" per request{'' if args.no_profile else ' (profiled)'}, CPU "
              f"{(time.process_time() - cpu) * 1000 / args.requests:.2f} ms")
    if not args.no_profile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
