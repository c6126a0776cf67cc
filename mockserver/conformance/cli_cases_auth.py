"""CLI cases: login, logout, whoami and the node catalog."""

from __future__ import annotations

from .cases import expect
from .cli_env import Argv, CliCase, CliEnv, CliRun, Invocation, cli_table, fixed
from .credentials import api_key

WHOAMI = "GET /api/v1/auth/whoami"
UNKNOWN_KEY = "op_live_conformanceUnknownKeyZZZZZZZZZ"


def _login_argv(key: str | None) -> Argv:
    """``onepin login`` with this key (None: the key the matrix runs with, read late)."""

    def argv(env: CliEnv) -> list[str]:
        return ["login", "--key", key or api_key(), "--base-url", env.base_url]

    return argv


def _login_ok(run: CliRun, env: CliEnv) -> None:
    expect(run.returncode == 0, f"exit {run.returncode}: {run.stderr.strip()}")
    expect("Logged in" in run.stdout, f"stdout {run.stdout!r}")
    saved = env.credentials_file.read_text() if env.credentials_file.exists() else ""
    expect(api_key() in saved and env.base_url in saved, "credentials file lacks key or URL")


def _login_rejected(run: CliRun, env: CliEnv) -> None:
    expect(run.returncode == 1, f"exit {run.returncode} for an unknown key")
    expect("[INVALID_API_KEY]" in run.stderr, f"stderr {run.stderr.strip()!r}")


def _whoami_argv(env: CliEnv) -> list[str]:
    env.login()
    return ["--json", "whoami"]


def _whoami_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["auth_kind"] == "api_key", f"auth_kind {data.get('auth_kind')!r}")
    expect(data["workspace_id"] == env.scene.workspace_id, "workspace_id of the saved key")


def _logout_argv(env: CliEnv) -> list[str]:
    env.login()
    return ["logout"]


def _logout_check(run: CliRun, env: CliEnv) -> None:
    expect(run.returncode == 0, f"exit {run.returncode}: {run.stderr.strip()}")
    expect(not env.credentials_file.exists(), "credentials file still present")


def _not_logged_in(run: CliRun, env: CliEnv) -> None:
    expect(run.returncode == 1, f"exit {run.returncode} after logout")
    expect(run.error["code"] == "NOT_LOGGED_IN", f"error {run.error}")


def _nodes_list(run: CliRun, env: CliEnv) -> None:
    types = {row["node_type"] for row in run.ok()}
    expect({"source_script", "operator_generator", "sink_preview"} <= types, f"types {types}")


def _nodes_show(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["node_type"] == "operator_generator", f"node_type {data.get('node_type')!r}")
    expect(data["category"] == "operator", f"category {data.get('category')!r}")


def _v1_refused(run: CliRun, env: CliEnv) -> None:
    expect(run.returncode == 1, f"exit {run.returncode}: v1 node detail took an API key")
    expect(run.error["code"] == "UNAUTHORIZED", f"error {run.error}")


_SHOW = fixed("--json", "nodes", "show", "operator_generator")

CASES = cli_table(
    CliCase(("login",), (
        Invocation(_login_argv(None), _login_ok, (WHOAMI,), "valid key", auth=False),
        Invocation(_login_argv(UNKNOWN_KEY), _login_rejected, (WHOAMI,), "unknown key",
                   auth=False),
    )),
    CliCase(("whoami",), (
        Invocation(_whoami_argv, _whoami_check, (WHOAMI,), "saved credentials", auth=False),)),
    CliCase(("logout",), (
        Invocation(_logout_argv, _logout_check, (), auth=False),
        Invocation(fixed("--json", "whoami"), _not_logged_in, (), "whoami after logout",
                   auth=False),
    )),
    CliCase(("nodes", "list"), (
        Invocation(fixed("--json", "nodes", "list"), _nodes_list, ("GET /api/v1/nodes",)),),
        sdk_method="nodes.list_nodes"),
    CliCase(("nodes", "show"), (
        Invocation(_SHOW, _nodes_show, ("GET /api/v2/nodes/{node_type}",)),),
        sdk_method="nodes.get_node_detail_v2",
        # onepin <= 0.13 calls v1 node detail, which refuses API keys (workflows.md §4.2).
        legacy={"nodes.get_node_detail": (
            Invocation(_SHOW, _v1_refused, ("GET /api/v1/nodes/{node_type}",),
                       "v1 refuses API keys"),)}),
)
