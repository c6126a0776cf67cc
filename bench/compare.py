"""onepin-mock against Prism, Mockoon CLI and a bare Flask app, on this machine, in one run.

Run it through ``bash bench/run`` (which installs wrk, Prism and Mockoon CLI first). It starts
the servers on free 127.0.0.1 ports, with the same worker count where a server has one
(default: the number of cores):

- onepin-mock in production mode (``serve --workers N``: auth and request validation on);
- the peers, both mocking the same ``openapi.yaml``: Prism ``mock -m``, and Mockoon CLI
  ``start --data openapi.yaml`` (one Node process: it has no worker option);
- a bare Flask app answering one constant JSON body under granian (``bench/bare_app.py``),
  the ceiling of the stack.

For each endpoint it runs wrk against them back to back (so background load on a shared
machine hits all alike and the ratios stay meaningful), then prints and writes
``bench/results.md``. onepin-mock is compared with the faster peer on each endpoint. A peer
that does not start is left out, and the output says so; a peer answering an endpoint with
non-2xx statuses has them counted in its errors, and a footnote says so. Nothing is asserted:
the numbers are for the README and for reading.
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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
KEY = "op_live_demoAllScopesKeyForOnepinMock001"
AUTH = {"Authorization": f"Bearer {KEY}"}
NODE_MODULES = BENCH / ".scratch" / "node_modules"
PRISM = NODE_MODULES / ".bin" / "prism"
MOCKOON = NODE_MODULES / ".bin" / "mockoon-cli"
POST_BODY = b'{"name":"bench workflow"}'  # what bench/post.lua sends
LIST = "/api/v1/workflows?limit=20"
STARTUP_LIMIT_SECONDS = 60
# A pause before each wrk run: the server measured before may still be working off its
# load (onepin-mock writes its held journal 0.2 s after the last request, a few hundred
# milliseconds of CPU per worker), and that work must not land on the next measurement.
SETTLE_SECONDS = 1.0


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
    errors: int = 0  # socket errors and non-2xx answers
    non_2xx: int = 0  # of which answers with a status outside 2xx/3xx


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


def fetch(url: str, headers: dict[str, str] | None = None,
          body: bytes | None = None) -> tuple[int, bytes]:
    """Status and body of a GET, or of a JSON POST when ``body`` is given."""
    if body is not None:
        headers = {**(headers or {}), "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=body, headers=headers or {})
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


def start_mockoon(workers: int) -> Server:
    port = free_port()
    # Mockoon CLI turns an OpenAPI file given as --data into its routes when it starts.
    # --hostname/--port: listen on 127.0.0.1 on our free port, not the spec's server port;
    # --disable-log-to-file: it would otherwise append every transaction to a log under
    #   ~/.mockoon-cli/logs/ (a disk write per request; stdout, discarded here, still gets them);
    # --disable-admin-api: its admin API would answer on the same port; nothing here uses it.
    # It has no worker option: one Node process serves every request, whatever --workers says.
    return start("Mockoon CLI", [str(MOCKOON), "start", "--data", str(ROOT / "openapi.yaml"),
                                 "--hostname", "127.0.0.1", "--port", str(port),
                                 "--disable-log-to-file", "--disable-admin-api"], port, LIST)


def start_peer(starter: Callable[[int], Server], workers: int, name: str,
               missing: list[str]) -> Server | None:
    """A peer, or None (and why, appended to ``missing``) when it does not start: the run
    goes on without it rather than losing the others' figures."""
    try:
        return starter(workers)
    except (SystemExit, OSError) as error:  # start() exits on a timeout; OSError: no binary
        missing.append(f"{name} did not start ({error}); its columns are left out.")
        print(missing[-1], file=sys.stderr, flush=True)
        return None


def installed_version(package: str) -> str:
    """The version npm installed into bench/.scratch, so the results name what ran."""
    try:
        manifest = json.loads((NODE_MODULES / package / "package.json").read_text())
        return str(manifest["version"])
    except (OSError, ValueError, KeyError):
        return "?"


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
    figures.non_2xx = int(non_2xx.group(1)) if non_2xx else 0
    figures.errors = (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0) \
        + figures.non_2xx
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


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "n/a"


def faster_peer(peers: list[Server], name: str) -> Server | None:
    """The peer with the most req/s on endpoint ``name``, among those whose every answer was
    2xx/3xx (a fast error is no answer); among all of them when none was clean."""
    ran = [peer for peer in peers if name in peer.results]
    clean = [peer for peer in ran if not peer.results[name].non_2xx] or ran
    return max(clean, key=lambda peer: peer.results[name].rps, default=None)


def error_notes(servers: list[Server], paths: dict[str, Endpoint]) -> list[str]:
    """One footnote per server and endpoint answered with non-2xx statuses under load, with
    the status one request gets now (so a peer resolving our paths otherwise is visible)."""
    notes = []
    for server in servers:
        for name, figures in server.results.items():
            if not figures.non_2xx:
                continue
            endpoint = paths[name]
            try:
                status = str(fetch(server.base + endpoint.path, AUTH,
                                   POST_BODY if endpoint.post else None)[0])
            except OSError as error:  # it may have died under the load
                status = f"no answer, {error}"
            notes.append(f"{server.name} answered {figures.non_2xx:,} requests on `{name}` "
                         f"with a status outside 2xx/3xx (one request now: {status}); they "
                         "are counted in its errors and in its req/s.")
    return notes


def load_all(servers: list[Server], strict: Server, paths: dict[str, Endpoint],
             seconds: int, connections: int) -> None:
    """wrk on every endpoint, against every server back to back; strict mode only on the
    list and the data page (the endpoints where checking the response costs the most)."""
    for server in [*servers, strict]:  # warm every worker (lazy generation)
        wrk(server.base + LIST, 1, connections)
    for endpoint in paths.values():
        contenders = list(servers)
        if endpoint.path == LIST or "/data" in endpoint.path:
            contenders.insert(1, strict)
        for server in contenders:
            time.sleep(SETTLE_SECONDS)
            server.results[endpoint.name] = wrk(server.base + endpoint.path, seconds,
                                                connections, endpoint.post)


def result_table(mock: Server, peers: list[Server], bare: Server) -> list[str]:
    head = "| endpoint | onepin-mock req/s | p50 ms | p99 ms | errors |"
    for peer in peers:
        head += f" {peer.name} req/s | p50 ms | p99 ms | errors |"
    head += " bare Flask req/s | p50 ms | p99 ms | mock / faster peer | mock/bare |"
    lines = [head, "|---|" + "---:|" * (head.count("|") - 2)]
    for name, m in mock.results.items():
        row = f"| `{name}` | {m.rps:,.0f} | {m.p50_ms:.1f} | {m.p99_ms:.1f} | {m.errors} |"
        for peer in peers:
            f = peer.results[name]
            row += f" {f.rps:,.0f} | {f.p50_ms:.1f} | {f.p99_ms:.1f} | {f.errors} |"
        b = bare.results[name]
        best = faster_peer(peers, name)
        versus = (f"{ratio(m.rps, best.results[name].rps)} ({best.name})" if best else "n/a")
        lines.append(f"{row} {b.rps:,.0f} | {b.p50_ms:.1f} | {b.p99_ms:.1f} | {versus} "
                     f"| {ratio(m.rps, b.rps)} |")
    return lines


def figures_table(servers: list[Server], one: Server, one_health: Server,
                  rss: dict[str, str], workers: int) -> list[str]:
    others = servers[1:]  # onepin-mock first
    blank = " |" * len(others)
    return [
        "| figure |" + "".join(f" {server.name} |" for server in servers),
        "|---|" + "---:|" * len(servers),
        f"| startup to the first 200 (`GET {LIST}`), {workers} workers |"
        + "".join(f" {server.startup_s:.2f} s |" for server in servers),
        f"| startup to the first 200, 1 worker | {one.startup_s:.2f} s |{blank}",
        f"| startup to the first 200 of `/__mock/health`, 1 worker "
        f"| {one_health.startup_s:.2f} s |{blank}",
        "| peak RSS per worker |" + "".join(f" {rss[server.name]} |" for server in servers),
    ]


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
    missing: list[str] = []
    started = [start_mock("onepin-mock", args.workers, args.threads)]
    try:
        workflow, run = seeded_ids(started[0].base)
        strict = start_mock("onepin-mock --strict", args.workers, args.threads, "--strict")
        started.append(strict)
        peers = [peer for peer in (
            start_peer(start_prism, args.workers, "Prism", missing),
            start_peer(start_mockoon, args.workers, "Mockoon CLI", missing)) if peer]
        started += peers
        bare = start_bare(args.workers, args.threads)
        started.append(bare)
        mock = started[0]
        plugin = in_process_figures()
        paths = {endpoint.name: endpoint for endpoint in endpoints(workflow, run)}
        load_all([mock, *peers, bare], strict, paths, args.seconds, args.connections)
        notes = error_notes([mock, *peers, bare], paths)
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
        "more than the absolute figures). Peers: Prism "
        f"{installed_version('@stoplight/prism-cli')} (`mock -m`) and Mockoon CLI "
        f"{installed_version('@mockoon/cli')} (one process: it has no worker option), "
        "both serving the same `openapi.yaml`.")
    say()
    for note in missing:
        say(note)
        say()
    for line in result_table(mock, peers, bare):
        say(line)
    say()
    for note in notes:
        say(f"Note: {note}")
        say()
    if any(peer.results[name].non_2xx for peer in peers for name in paths):
        say("A peer whose answers on an endpoint were not all 2xx/3xx is not taken as the "
            "faster peer there, unless no peer's were.")
        say()
    for name, s in strict.results.items():
        m = mock.results[name]
        say(f"Strict mode (`--strict`, every response checked against openapi.yaml) on "
            f"`{name}`: {s.rps:,.0f} req/s, p99 {s.p99_ms:.1f} ms, against {m.rps:,.0f} req/s "
            f"without: {ratio(s.rps, m.rps)}x the throughput.")
        say()
    for line in figures_table([mock, *peers, bare], one, one_health, rss, args.workers):
        say(line)
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
