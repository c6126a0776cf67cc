"""onepin-mock against Prism and a bare Flask app, on this machine, in one run.

Run it through ``bash bench/run`` (which installs wrk and Prism first). It starts the three
servers on free 127.0.0.1 ports, with the same worker count (default: the number of cores):

- onepin-mock in production mode (``serve --workers N``: auth and request validation on);
- Prism ``mock -m`` on the same ``openapi.yaml``;
- a bare Flask app answering one constant JSON body under granian (``bench/bare_app.py``),
  the ceiling of the stack.

For each endpoint it runs wrk against the three back to back (so background load on a
shared machine hits all three alike and the ratios stay meaningful), then prints and writes
``bench/results.md``. Nothing is asserted: the numbers are for the README and for reading.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
KEY = "op_live_demoAllScopesKeyForOnepinMock001"
AUTH = {"Authorization": f"Bearer {KEY}"}
PRISM = BENCH / ".scratch" / "node_modules" / ".bin" / "prism"
LIST = "/api/v1/workflows?limit=20"
STARTUP_LIMIT_SECONDS = 60


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    post: bool = False


@dataclass
class Figures:
    rps: float = 0.0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    errors: int = 0


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base: str
    startup_s: float
    results: dict[str, Figures] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for_200(process: subprocess.Popen[bytes], url: str, started: float) -> float:
    """Seconds from ``started`` until ``url`` answers 200 (polled every 10 ms)."""
    while time.perf_counter() - started < STARTUP_LIMIT_SECONDS:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode} before answering {url}")
        try:
            if fetch(url, AUTH)[0] == 200:
                return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.01)
    raise SystemExit(f"no 200 from {url} within {STARTUP_LIMIT_SECONDS} s")


def start(name: str, command: list[str], port: int, probe: str,
          env: dict[str, str] | None = None) -> Server:
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    # A session of its own, so stopping it stops every worker it forked.
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    try:
        startup = wait_for_200(process, base + probe, started)
    except BaseException:
        stop_process(process)
        raise
    return Server(name, process, base, startup)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def mock_command(workers: int, threads: int, *extra: str) -> list[str]:
    return [str(Path(sys.executable).parent / "onepin-mock"), "serve", "--workers",
            str(workers), "--threads", str(threads), *extra]


def start_mock(name: str, workers: int, threads: int, *extra: str,
               probe: str = LIST) -> Server:
    port = free_port()
    return start(name, mock_command(workers, threads, *extra), port, probe,
                 {"ONEPIN_MOCK_PORT": str(port)})


def start_prism(workers: int) -> Server:
    port = free_port()
    # -m forks the HTTP server from the CLI process (Prism's own "faster" mode).
    return start("Prism", [str(PRISM), "mock", "-m", "-h", "127.0.0.1", "-p", str(port),
                           str(ROOT / "openapi.yaml")], port, LIST)


def start_bare(workers: int, threads: int) -> Server:
    port = free_port()
    command = [str(Path(sys.executable).parent / "granian"), "--interface", "wsgi",
               "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
               "--blocking-threads", str(threads), "--no-ws", "--factory",
               "bench.bare_app:create_app"]
    return start("bare Flask", command, port, LIST)


# --- wrk -------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> Figures:
    figures = Figures()
    for percent, value in re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", output, re.MULTILINE):
        setattr(figures, f"p{percent}_ms", _ms(value))
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    figures.rps = float(rate.group(1)) if rate else 0.0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    figures.errors = (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0) \
        + (int(non_2xx.group(1)) if non_2xx else 0)
    return figures


def wrk(url: str, seconds: int, connections: int, post: bool = False) -> Figures:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
               "--timeout", "5s", "-H", f"Authorization: Bearer {KEY}"]
    if post:
        command += ["-s", str(BENCH / "post.lua")]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=True,
                          timeout=seconds + 30)
    with (BENCH / ".scratch" / "wrk.log").open("a") as log:  # raw output, for checking
        log.write(f"{url}\n{done.stdout}\n")
    return parse_wrk(done.stdout)


# --- memory -----------------------------------------------------------------------------

def descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                found += [int(child), *descendants(int(child))]
    except OSError:
        pass
    return found


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MiB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def worker_rss(server: Server) -> str:
    """Peak RSS of each process serving requests: the children when it forks, else itself."""
    children = descendants(server.process.pid)
    pids = children or [server.process.pid]
    return ", ".join(f"{peak_rss_mib(pid):.0f}" for pid in pids) + " MiB"


# --- the run ----------------------------------------------------------------------------

def seeded_ids(base: str) -> tuple[str, str]:
    """A workflow with a completed run, in the default workspace of the demo key."""
    _, body = fetch(f"{base}/api/v1/workflows?limit=100&status=completed", AUTH)
    workflow = json.loads(body)["data"][0]["id"]
    _, body = fetch(f"{base}/api/v1/workflows/{workflow}/runs?status=completed", AUTH)
    return workflow, json.loads(body)["data"][0]["id"]


def endpoints(workflow: str, run: str) -> list[Endpoint]:
    w = f"/api/v1/workflows/{workflow}"
    r = f"{w}/runs/{run}"
    return [Endpoint("GET /workflows?limit=20", LIST),
            Endpoint("GET /workflows/{id}", w),
            Endpoint("GET /runs/{run_id}", r),
            Endpoint("GET /runs/{run_id}/data?limit=50", f"{r}/data?limit=50"),
            Endpoint("GET /runs/summary", f"{w}/runs/summary"),
            Endpoint("POST /workflows", "/api/v1/workflows", post=True)]


def in_process_figures() -> dict[str, float]:
    """Plugin session start and the first list request in a fresh workspace, in a fresh
    interpreter (so imports are paid as a test session pays them)."""
    done = subprocess.run([sys.executable, str(BENCH / "plugin_start.py")], cwd=ROOT,
                          capture_output=True, text=True, check=True, timeout=120)
    return {k: float(v) for k, v in json.loads(done.stdout).items()}


def fmt(f: Figures) -> str:
    return f"{f.rps:8.0f} {f.p50_ms:7.1f} {f.p99_ms:7.1f} {f.errors:5d}"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=8, help="threads per worker")
    parser.add_argument("--seconds", type=int, default=4, help="length of each wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--out", type=Path, default=BENCH / "results.md")
    args = parser.parse_args()
    lines: list[str] = []

    def say(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    load = os.getloadavg()[0]
    one = start_mock("onepin-mock, 1 worker", 1, args.threads)
    stop_process(one.process)
    one_health = start_mock("onepin-mock, 1 worker", 1, args.threads, probe="/__mock/health")
    stop_process(one_health.process)
    started = [start_mock("onepin-mock", args.workers, args.threads)]
    try:
        workflow, run = seeded_ids(started[0].base)
        started.append(start_mock("onepin-mock --strict", args.workers, args.threads,
                                  "--strict"))
        started.append(start_prism(args.workers))
        started.append(start_bare(args.workers, args.threads))
        mock, strict, prism, bare = started
        plugin = in_process_figures()
        for server in (mock, strict, prism, bare):  # warm every worker (lazy generation)
            wrk(server.base + LIST, 1, args.connections)
        for endpoint in endpoints(workflow, run):
            contenders = [mock, prism, bare]
            if endpoint.path == LIST or "/data" in endpoint.path:
                contenders.insert(1, strict)
            for server in contenders:
                server.results[endpoint.name] = wrk(server.base + endpoint.path, args.seconds,
                                                    args.connections, endpoint.post)
        rss = {server.name: worker_rss(server) for server in started}
    finally:
        for server in started:
            stop_process(server.process)

    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    say(f"# Benchmark results ({stamp})")
    say()
    say(f"`bash bench/run`: {args.workers} workers x {args.threads} threads each, "
        f"wrk -t2 -c{args.connections} -d{args.seconds:g}s on 127.0.0.1, "
        f"{os.cpu_count()} cores, load average {load:.1f} when it started "
        "(the machine may be shared: compare the ratios, which are measured back to back, "
        "more than the absolute figures).")
    say()
    say("| endpoint | onepin-mock req/s | p50 ms | p99 ms | errors | Prism req/s | p50 ms "
        "| p99 ms | errors | bare Flask req/s | p50 ms | p99 ms | mock/Prism | mock/bare |")
    say("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, m in mock.results.items():
        p, b = prism.results[name], bare.results[name]
        say(f"| `{name}` | {m.rps:,.0f} | {m.p50_ms:.1f} | {m.p99_ms:.1f} | {m.errors} "
            f"| {p.rps:,.0f} | {p.p50_ms:.1f} | {p.p99_ms:.1f} | {p.errors} "
            f"| {b.rps:,.0f} | {b.p50_ms:.1f} | {b.p99_ms:.1f} "
            f"| {ratio(m.rps, p.rps)} | {ratio(m.rps, b.rps)} |")
    say()
    for name, s in strict.results.items():
        m = mock.results[name]
        say(f"Strict mode (`--strict`, every response checked against openapi.yaml) on "
            f"`{name}`: {s.rps:,.0f} req/s, p99 {s.p99_ms:.1f} ms, against {m.rps:,.0f} req/s "
            f"without: {ratio(s.rps, m.rps)}x the throughput.")
        say()
    say("| figure | onepin-mock | Prism | bare Flask |")
    say("|---|---:|---:|---:|")
    say(f"| startup to the first 200 (`GET {LIST}`), {args.workers} workers "
        f"| {mock.startup_s:.2f} s | {prism.startup_s:.2f} s | {bare.startup_s:.2f} s |")
    say(f"| startup to the first 200, 1 worker | {one.startup_s:.2f} s | | |")
    say(f"| startup to the first 200 of `/__mock/health`, 1 worker "
        f"| {one_health.startup_s:.2f} s | | |")
    say(f"| peak RSS per worker | {rss[mock.name]} | {rss[prism.name]} | {rss[bare.name]} |")
    say()
    say("| pytest plugin (in process, fresh interpreter) | time |")
    say("|---|---:|")
    say(f"| session start: import, build the app, server ready | "
        f"{plugin['session_start_ms']:.0f} ms |")
    say(f"| create a fresh workspace | {plugin['create_workspace_ms']:.1f} ms |")
    say(f"| first list request in it (`GET {LIST}`) | {plugin['first_list_ms']:.1f} ms |")
    say(f"| second list request | {plugin['second_list_ms']:.1f} ms |")
    say()
    import large  # bench/large.py, which uses this module's helpers

    for line in large.section(args.threads):  # its own servers, after the others stopped
        say(line)
    args.out.write_text("\n".join(lines) + "\n")
    print(f"\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
