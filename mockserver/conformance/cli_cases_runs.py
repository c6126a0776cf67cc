"""CLI cases: ``workflows run`` and the ``workflows runs`` subgroup."""

from __future__ import annotations

import io
import zipfile

from .cases import expect
from .cli_env import Argv, CliCase, CliCheck, CliEnv, CliRun, Invocation, cli_table
from .sdk_cases_workflows import SCRIPT

_WF = "/api/v1/workflows/{workflow_id}"
_RUN = f"{_WF}/runs/{{run_id}}"
_FILES = "GET /files/{token}"
_FINISHED = {"completed": 0, "cancelled": 0, "failed": 1}  # watch: final status -> exit code


def _seeded(*tail: str, command: str) -> Argv:
    def build(env: CliEnv) -> list[str]:
        seeds = env.scene.seeds
        return ["--json", "workflows", "runs", command, seeds.workflow_id, seeds.run_id, *tail]

    return build


def _is_seeded_run(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["id"] == env.scene.seeds.run_id, f"id {data.get('id')!r}")
    expect(data["status"] == "completed", f"status {data.get('status')!r}")


def _start_argv(env: CliEnv) -> list[str]:
    return ["--json", "workflows", "run", env.scene.fresh_workflow(), "--script", SCRIPT,
            "--source-language", "en-us"]


def _started(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["status"] in ("pending", "running"), f"status {data.get('status')!r}")


def _watch_argv(env: CliEnv) -> list[str]:
    return ["--json", "workflows", "run", env.scene.fresh_workflow(), "--watch", "--timeout",
            "120"]


def _watched(run: CliRun, env: CliEnv) -> None:
    status = run.json.get("status")
    expect(status in _FINISHED, f"watch ended on {status!r}: {run.stderr.strip()[:200]}")
    expect(run.returncode == _FINISHED[status], f"exit {run.returncode} for a {status} run")


def _list_argv(env: CliEnv) -> list[str]:
    return ["--json", "workflows", "runs", "list", env.scene.seeds.workflow_id, "--status",
            "completed", "--limit", "3"]


def _list_check(run: CliRun, env: CliEnv) -> None:
    rows = run.ok()
    expect(0 < len(rows) <= 3, f"{len(rows)} rows for --limit 3")
    expect(all(r["status"] == "completed" for r in rows), "--status not applied")


def _cancel_argv(env: CliEnv) -> list[str]:
    # A paused run: it cannot finish on its own while the CLI starts up.
    workflow_id, run_id = env.scene.paused_run()
    return ["--json", "workflows", "runs", "cancel", workflow_id, run_id, "--yes"]


def _cancelled(run: CliRun, env: CliEnv) -> None:
    expect(run.ok()["status"] == "cancelled", f"output {run.stdout.strip()[:200]!r}")


def _steps_check(run: CliRun, env: CliEnv) -> None:
    kinds = {step["node_type"] for step in run.ok()}
    expect(kinds == {"operator_generator"}, f"--node-type not applied: {sorted(kinds)}")


def _overview_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["run"]["id"] == env.scene.seeds.run_id, f"run {data.get('run')}")


def _data_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["run_id"] == env.scene.seeds.run_id, f"run_id {data.get('run_id')!r}")
    expect(0 < len(data["rows"]) <= 2, f"{len(data['rows'])} rows for --limit 2")


def _summary_argv(env: CliEnv) -> list[str]:
    return ["--json", "workflows", "runs", "summary", env.scene.seeds.workflow_id, "--from",
            "2020-01-01T00:00:00Z", "--to", "2030-01-01T00:00:00Z"]


def _summary_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    parts = ("completed", "failed", "cancelled", "pending", "running", "paused")
    expect(data["total_runs"] == sum(data[p] for p in parts), f"summary {data}")
    expect(data["completed"] >= 1, "the seeded completed run is not counted")


def _download_argv(node: bool) -> Argv:
    def build(env: CliEnv) -> list[str]:
        seeds = env.scene.seeds
        command = "download-node" if node else "download"
        extra = [seeds.sink_node_id] if node else []
        return ["--json", "workflows", "runs", command, seeds.workflow_id, seeds.run_id, *extra,
                "--out", str(env.workdir / "export.zip")]

    return build


def _downloaded(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data.get("ok") is True, f"output {data}")
    content = (env.workdir / "export.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = archive.namelist()
    expect(any(name.endswith(".wav") for name in names), f"no audio in the ZIP: {names[:5]}")


def _case(command: str, endpoints: tuple[str, ...], argv: Argv, check: CliCheck,
          sdk_method: str | None = None) -> CliCase:
    return CliCase(("workflows", "runs", command), (Invocation(argv, check, endpoints),),
                   sdk_method=sdk_method)


CASES = cli_table(
    CliCase(("workflows", "run"), (
        Invocation(_start_argv, _started, (f"POST {_WF}/runs",), "--script",
                   needs=("--script", "--source-language")),
        Invocation(_watch_argv, _watched, (f"POST {_WF}/runs", f"GET {_RUN}/status"),
                   "--watch"),
    )),
    _case("list", (f"GET {_WF}/runs",), _list_argv, _list_check, "workflows.runs.list"),
    _case("show", (f"GET {_RUN}",), _seeded(command="show"), _is_seeded_run,
          "workflows.runs.get"),
    _case("status", (f"GET {_RUN}/status",), _seeded(command="status"), _is_seeded_run,
          "workflows.runs.status"),
    _case("cancel", (f"POST {_RUN}/cancel",), _cancel_argv, _cancelled,
          "workflows.runs.cancel"),
    _case("steps", (f"GET {_RUN}/steps",), _seeded("--node-type", "operator_generator",
                                                  command="steps"), _steps_check,
          "workflows.runs.steps"),
    _case("overview", (f"GET {_RUN}/overview",), _seeded(command="overview"), _overview_check,
          "workflows.get_run_overview"),
    _case("data", (f"GET {_RUN}/data",), _seeded("--limit", "2", command="data"), _data_check,
          "workflows.get_run_data"),
    _case("summary", (f"GET {_WF}/runs/summary",), _summary_argv, _summary_check,
          "workflows.runs_summary"),
    _case("download", (f"GET {_RUN}/download", _FILES), _download_argv(node=False),
          _downloaded),
    _case("download-node", (f"GET {_RUN}/nodes/{{node_id}}/download", _FILES),
          _download_argv(node=True), _downloaded),
)
