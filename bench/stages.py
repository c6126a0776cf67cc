"""Where one request's time goes, stage by stage, without a profiler's distortion.

    .venv/bin/python bench/stages.py [--requests 2000] [--rounds 5]

Builds the app as ``serve`` does, calls it as WSGI (no HTTP server, no test client) on
the benchmark's GET endpoints, and times each stage with a clock read around it (about
0.1 microsecond each): the median per request over the rounds, in microseconds. What is
left when the named stages are taken out of the whole is Flask and werkzeug (request
context, routing, the response object) plus the compression middleware. Used for the
"where each microsecond goes" table in bench/NOTES.md; a bare Flask app answering one
constant body is timed the same way for scale.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mockserver import app as app_module
from mockserver import pipeline as pipeline_module
from mockserver import wire
from mockserver.app import create_app, mock_of
from mockserver.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bare_app

KEY = "op_live_demoAllScopesKeyForOnepinMock001"
SPENT: dict[str, int] = defaultdict(int)


def timed(owner: Any, name: str, label: str) -> None:
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter_ns()
        try:
            return original(*args, **kwargs)
        finally:
            SPENT[label] += time.perf_counter_ns() - started

    setattr(owner, name, wrapper)


def environ(path: str) -> dict[str, Any]:
    route, _, query = path.partition("?")
    return {"REQUEST_METHOD": "GET", "PATH_INFO": route, "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8080", "HTTP_HOST": "127.0.0.1:8080",
            "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
            "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
            "HTTP_AUTHORIZATION": f"Bearer {KEY}", "HTTP_ACCEPT": "*/*",
            "HTTP_USER_AGENT": "wrk", "REMOTE_ADDR": "127.0.0.1"}


def call(app: Callable[..., Any], path: str) -> None:
    for _ in app(environ(path), lambda status, headers, exc_info=None: None):
        pass


def endpoints(app: Any) -> dict[str, str]:
    client = app.test_client()
    auth = {"Authorization": f"Bearer {KEY}"}
    listed = client.get("/api/v1/workflows?limit=100&status=completed", headers=auth)
    workflow = listed.get_json()["data"][0]["id"]
    runs = client.get(f"/api/v1/workflows/{workflow}/runs?status=completed", headers=auth)
    run = runs.get_json()["data"][0]["id"]
    one, its_run = f"/api/v1/workflows/{workflow}", f"/api/v1/workflows/{workflow}/runs/{run}"
    return {"list": "/api/v1/workflows?limit=20", "workflow": one, "run": its_run,
            "data": f"{its_run}/data?limit=50", "summary": f"{one}/runs/summary"}


def instrument(app: Any) -> None:
    pipeline = mock_of(app).pipeline
    for name, label in (("run", "pipeline"), ("_authorize", "authorize"),
                        ("_overrides", "overrides"), ("_parse", "parse")):
        timed(pipeline, name, label)
    timed(wire, "reply_response", "encode the envelope")
    timed(pipeline_module, "new_meta", "meta (request id)")
    timed(app_module, "_journal", "journal hand-off")
    hooks = app.after_request_funcs[None]
    hooks[0] = _timed_hook(hooks[0], "after_request: version, log, journal")


def _timed_hook(hook: Callable[[Any], Any], label: str) -> Callable[[Any], Any]:
    def wrapper(response: Any) -> Any:
        started = time.perf_counter_ns()
        try:
            return hook(response)
        finally:
            SPENT[label] += time.perf_counter_ns() - started
    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    app = create_app(Settings())
    paths = endpoints(app)
    instrument(app)
    bare = bare_app.create_app()
    rows: dict[str, dict[str, list[float]]] = {}
    for name, path in [*paths.items(), ("bare Flask", "/api/v1/workflows")]:
        target = bare if name == "bare Flask" else app
        per: dict[str, list[float]] = defaultdict(list)
        for _ in range(args.rounds):
            SPENT.clear()
            started = time.perf_counter_ns()
            for _ in range(args.requests):
                call(target, path)
            per["whole request"].append((time.perf_counter_ns() - started) / args.requests / 1000)
            for label, spent in SPENT.items():
                per[label].append(spent / args.requests / 1000)
        rows[name] = per
    report(rows)


def report(rows: dict[str, dict[str, list[float]]]) -> None:
    medians = {name: {label: statistics.median(v) for label, v in per.items()}
               for name, per in rows.items()}
    for values in medians.values():
        inner = sum(values.get(k, 0) for k in ("authorize", "overrides", "parse",
                                                "encode the envelope", "meta (request id)"))
        if "pipeline" in values:
            values["handler and the rest of the pipeline"] = values["pipeline"] - inner
            values["Flask, werkzeug, middleware"] = (
                values["whole request"] - values["pipeline"]
                - values["after_request: version, log, journal"])
    labels = ["whole request", "pipeline", "authorize", "overrides", "parse",
              "meta (request id)", "handler and the rest of the pipeline",
              "encode the envelope", "after_request: version, log, journal",
              "journal hand-off", "Flask, werkzeug, middleware"]
    names = list(medians)
    print("| us per request | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for label in labels:
        cells = [f"{medians[n][label]:.1f}" if label in medians[n] else "" for n in names]
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
