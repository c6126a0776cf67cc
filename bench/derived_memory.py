"""Memory while reading many distinct runs' data pages (issue 25, one bound for what is
worked out of a run).

Builds the mock in process on a workspace of ``--workflows`` x ``--runs`` runs, reads
every run's data page (``limit=5``) through the test client, and prints, every tenth of
the way: runs read, the process's RSS, how many runs hold derived state (timelines,
Progress objects with their takes, graphs) and how many are built (their plans), against
the bounds. The encoded-read cache is switched off, so what stays is what the runs keep.

``PYTHONPATH=. .venv/bin/python bench/derived_memory.py`` reads 100,000 runs (many minutes);
``--workflows 50 --runs 20`` is a quick look.
"""

from __future__ import annotations

import argparse
import gc
import resource
import tempfile
import textwrap
import time
from pathlib import Path

from mockserver.app import create_app, mock_of
from mockserver.settings import Settings
from mockserver.world.runs import record
from mockserver.world.state import run_table

WORKSPACE = "a2000000-0000-4000-8000-000000000001"
USER = "b2000000-0000-4000-8000-000000000001"
KEY = "op_live_benchDerivedMemoryKey0000000001"


def fixtures(folder: Path, workflows: int, runs: int) -> Path:
    path = folder / "memory.yaml"
    path.write_text(textwrap.dedent(f"""\
        workspaces:
          - {{id: {WORKSPACE}, name: Memory, slug: memory, credit_balance: 1000000,
              concurrent_run_limit: 5, workflow_count: {workflows}, runs_per_workflow: {runs}}}
        users:
          - {{id: {USER}, name: Mo Memory, email: mo@memory.example}}
        memberships:
          - {{workspace: {WORKSPACE}, user: {USER}, role: admin}}
        api_keys:
          - {{id: c2000000-0000-4000-8000-000000000001, name: memory, key: {KEY},
              workspace: {WORKSPACE}, user: {USER}, scopes: [workflows:read]}}
        """), encoding="utf-8")
    return path


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workflows", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=100, help="runs per workflow")
    parser.add_argument("--bound", type=int, default=record.SETTLED_RUN_BOUND,
                        help="runs kept built and with derived state (default: the mock's)")
    args = parser.parse_args()
    record.SETTLED_RUNS.bound = record.RUN_GRAPHS.bound = args.bound
    run_table.PRISTINE_RUN_BOUND = args.bound
    folder = Path(tempfile.mkdtemp())
    app = create_app(Settings(fixtures_path=fixtures(folder, args.workflows, args.runs)))
    mock = mock_of(app)
    mock.engine.caches.encoded_reads.max_weight = 0
    client = app.test_client()
    headers = {"Authorization": f"Bearer {KEY}"}
    base = "/api/v1/workflows"
    total = args.workflows * args.runs
    step, read, started = max(total // 10, 1), 0, time.monotonic()
    print(f"reading up to {total:,} runs' data pages; derived state bound "
          f"{record.SETTLED_RUNS.bound:,} runs")
    print(f"{'runs read':>10} {'RSS MiB':>8} {'settled kept':>12} {'graphs kept':>11} "
          f"{'runs built':>10} {'seconds':>8}")
    offset = 0
    while True:
        page = client.get(f"{base}?limit=100&offset={offset}", headers=headers).get_json()["data"]
        for workflow in page:
            runs = client.get(f"{base}/{workflow['id']}/runs?limit=100", headers=headers)
            for run in runs.get_json()["data"]:
                client.get(f"{base}/{workflow['id']}/runs/{run['id']}/data?limit=5",
                           headers=headers)
                read += 1
                if read % step == 0:
                    gc.collect()
                    built = dict.__len__(mock.world.workspace(WORKSPACE).runs)
                    print(f"{read:>10,} {rss_mib():>8.1f} {len(record.SETTLED_RUNS):>12,} "
                          f"{len(record.RUN_GRAPHS):>11,} {built:>10,} "
                          f"{time.monotonic() - started:>8.1f}", flush=True)
        if len(page) < 100:
            break
        offset += 100
    print(f"done: {read:,} runs read")


if __name__ == "__main__":
    main()
