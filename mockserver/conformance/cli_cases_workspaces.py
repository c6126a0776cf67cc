"""CLI cases: the ``workspace`` group and its ``members`` subgroup (Ada's session, except
``workspace settings``, which the matrix's API key may read)."""

from __future__ import annotations

from .cases import expect
from .cli_env import Argv, CliCase, CliCheck, CliEnv, CliRun, Invocation, cli_table, fixed
from .credentials import ADA_EMAIL, ADA_USER, ELI_USER
from .people import fresh_invite, fresh_workspace, joined_member

_WS = "/api/v1/workspaces"
_ONE = f"{_WS}/{{workspace_id}}"


def _roster(env: CliEnv, workspace_id: str) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = env.scene.as_user(ADA_USER, "GET",
                                                       f"{_WS}/{workspace_id}/members")
    return rows


def _list_check(run: CliRun, env: CliEnv) -> None:
    ids = [row["id"] for row in run.ok()]
    expect(env.scene.workspace_id in ids, f"own workspace not in {ids}")


def _create_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    workspace_id = str(data["id"])
    env.scene.on_cleanup(lambda: env.scene.as_user(ADA_USER, "DELETE", f"{_WS}/{workspace_id}"))
    expect(data["name"] == "CLI lab" and data["color_idx"] == 2, f"workspace {data}")
    expect(data["created_by"] == ADA_USER, f"created_by {data.get('created_by')!r}")


def _show_argv(env: CliEnv) -> list[str]:
    return ["--json", "workspace", "show", env.scene.workspace_id]


def _show_check(run: CliRun, env: CliEnv) -> None:
    expect(run.ok()["id"] == env.scene.workspace_id, f"id {run.json.get('id')!r}")


def _update_argv(env: CliEnv) -> list[str]:
    return ["--json", "workspace", "update", fresh_workspace(env.scene), "--name",
            "CLI renamed", "--color-idx", "3"]


def _update_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["name"] == "CLI renamed" and data["color_idx"] == 3, f"{data}")


def _routing_argv(env: CliEnv) -> list[str]:
    return [*_update_argv(env), "--routing-llm-fit"]


def _routing_check(run: CliRun, env: CliEnv) -> None:
    _update_check(run, env)
    expect(run.json["routing_llm_fit"] is True, f"routing_llm_fit {run.json!r}")


def _delete_argv(env: CliEnv) -> list[str]:
    return ["--json", "workspace", "delete", fresh_workspace(env.scene), "--yes"]


def _delete_check(run: CliRun, env: CliEnv) -> None:
    expect(run.returncode == 0, f"exit {run.returncode}: {run.stderr.strip()[:300]}")
    gone = env.scene.http.get(f"{_WS}/{run.argv[3]}", headers={
        "Authorization": f"Bearer {env.scene.session()}"}).status_code
    expect(gone == 404, f"GET after delete answered {gone}")


def _settings_argv(env: CliEnv) -> list[str]:
    return ["--json", "workspace", "settings", env.scene.workspace_id]


def _settings_check(run: CliRun, env: CliEnv) -> None:
    expect({"default_language", "theme"} <= set(run.ok()), f"settings {run.stdout[:200]!r}")


def _members_argv(env: CliEnv) -> list[str]:
    return ["--json", "workspace", "members", "list", env.scene.workspace_id]


def _members_check(run: CliRun, env: CliEnv) -> None:
    rows = run.ok()
    expect(rows and rows[0]["user_id"] == ADA_USER, "the caller is not listed first")


def _invite_argv(env: CliEnv) -> list[str]:
    return ["--json", "workspace", "members", "invite", fresh_workspace(env.scene), "--email",
            "Guest@Conformance.example", "--role", "viewer"]


def _invite_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["email"] == "guest@conformance.example" and data["status"] == "pending",
           f"invite {data}")


def _member_argv(command: str, *extra: str) -> Argv:
    def argv(env: CliEnv) -> list[str]:
        workspace_id = fresh_workspace(env.scene)
        member_id = joined_member(env.scene, workspace_id)
        return ["--json", "workspace", "members", command, workspace_id, member_id, *extra]

    return argv


def _set_role_check(run: CliRun, env: CliEnv) -> None:
    expect(run.returncode == 0, f"exit {run.returncode}: {run.stderr.strip()[:300]}")
    role = next(r["role"] for r in _roster(env, run.argv[4]) if r["id"] == run.argv[5])
    expect(role == "viewer", f"role {role!r} after set-role")


def _gone_check(run: CliRun, env: CliEnv) -> None:
    expect(run.returncode == 0, f"exit {run.returncode}: {run.stderr.strip()[:300]}")
    ids = [r["id"] for r in _roster(env, run.argv[4])]
    expect(run.argv[5] not in ids, f"{run.argv[5]} still on the roster")


def _invite_id_argv(command: str, *extra: str) -> Argv:
    def argv(env: CliEnv) -> list[str]:
        workspace_id = fresh_workspace(env.scene)
        invite_id = fresh_invite(env.scene, workspace_id)
        return ["--json", "workspace", "members", command, workspace_id, invite_id, *extra]

    return argv


def _invite_role_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["role"] == "admin" and data["status"] == "pending", f"invite {data}")


def _accept_argv(env: CliEnv) -> list[str]:
    workspace_id = fresh_workspace(env.scene, owner=ELI_USER, name="Eli's lab")
    token = fresh_invite(env.scene, workspace_id, ADA_EMAIL, "viewer", by=ELI_USER)
    return ["--json", "workspace", "members", "accept", token]


def _accept_check(run: CliRun, env: CliEnv) -> None:
    expect(run.returncode == 0, f"exit {run.returncode}: {run.stderr.strip()[:300]}")
    mine = env.scene.as_user(ADA_USER, "GET", f"{_WS}?limit=100")
    expect(any(w["name"] == "Eli's lab" for w in mine), "Ada did not join Eli's workspace")


def _case(command: tuple[str, ...], endpoint: str, argv: Argv, check: CliCheck, method: str,
          credential: str = "session") -> CliCase:
    return CliCase(command, (Invocation(argv, check, (endpoint,), credential=credential),),
                   sdk_method=method)


_MEMBER = f"{_ONE}/members/{{member_id}}"
_INVITE = f"{_ONE}/invites/{{invite_id}}"

CASES = cli_table(
    _case(("workspace", "list"), f"GET {_WS}", fixed("--json", "workspace", "list",
                                                     "--limit", "5"),
          _list_check, "workspaces.list_workspaces"),
    _case(("workspace", "create"), f"POST {_WS}", fixed("--json", "workspace", "create",
                                                        "--name", "CLI lab", "--color-idx", "2"),
          _create_check, "workspaces.create_workspace"),
    _case(("workspace", "show"), f"GET {_ONE}", _show_argv, _show_check,
          "workspaces.get_workspace"),
    CliCase(("workspace", "update"), (
        Invocation(_update_argv, _update_check, (f"PATCH {_ONE}",), "name and colour",
                   credential="session"),
        Invocation(_routing_argv, _routing_check, (f"PATCH {_ONE}",), "--routing-llm-fit",
                   needs=("--routing-llm-fit",), credential="session"),
    ), sdk_method="workspaces.update_workspace"),
    _case(("workspace", "delete"), f"DELETE {_ONE}", _delete_argv, _delete_check,
          "workspaces.delete_workspace"),
    _case(("workspace", "settings"), f"GET {_ONE}/settings", _settings_argv, _settings_check,
          "workspace.get_workspace_settings", credential="key"),
    _case(("workspace", "members", "list"), f"GET {_ONE}/members", _members_argv,
          _members_check, "workspace_members.list_members"),
    _case(("workspace", "members", "invite"), f"POST {_ONE}/invites", _invite_argv,
          _invite_check, "workspace_members.create_invite"),
    _case(("workspace", "members", "set-role"), f"PATCH {_MEMBER}",
          _member_argv("set-role", "--role", "viewer"), _set_role_check,
          "workspace_members.update_member_role"),
    _case(("workspace", "members", "remove"), f"DELETE {_MEMBER}",
          _member_argv("remove", "--yes"), _gone_check, "workspace_members.remove_member"),
    _case(("workspace", "members", "invite-role"), f"PATCH {_INVITE}",
          _invite_id_argv("invite-role", "--role", "admin"), _invite_role_check,
          "workspace_members.update_invite_role"),
    _case(("workspace", "members", "revoke-invite"), f"DELETE {_INVITE}",
          _invite_id_argv("revoke-invite", "--yes"), _gone_check,
          "workspace_members.revoke_invite"),
    _case(("workspace", "members", "accept"), f"POST {_WS}/invites/{{token}}/accept",
          _accept_argv, _accept_check, "workspace_members.accept_invite"),
)
