"""CLI cases: the ``templates`` group."""

from __future__ import annotations

import json

from .cases import expect
from .cli_env import Argv, CliCase, CliCheck, CliEnv, CliRun, Invocation, cli_table, fixed

_BASE = "/api/v1/templates"
_ONE = f"{_BASE}/{{template_id}}"


def _list_check(run: CliRun, env: CliEnv) -> None:
    rows = run.ok()
    expect(isinstance(rows, list) and 0 < len(rows) <= 5, f"{len(rows)} rows for --limit 5")
    expect(all(r["category"] == "media" for r in rows), "--category not applied")
    names = [r["name"].casefold() for r in rows]
    expect(names == sorted(names), f"--sort name not applied: {names}")


def _starter_argv(command: str, *extra: str) -> Argv:
    def build(env: CliEnv) -> list[str]:
        return ["--json", "templates", command, env.scene.starter_template()["id"], *extra]

    return build


def _own_argv(command: str, *extra: str) -> Argv:
    def build(env: CliEnv) -> list[str]:
        return ["--json", "templates", command, env.scene.fresh_template(), *extra]

    return build


def _show_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["id"] == run.argv[3], f"id {data.get('id')!r}")
    expect(data["is_starter"] is True, "the starter is not a starter")
    expect(data["definition"]["graph"]["nodes"], "a starter without nodes")


def _create_argv(env: CliEnv) -> list[str]:
    definition = env.workdir / "template-definition.json"
    definition.write_text(json.dumps(env.scene.seeds.definition))
    return ["--json", "templates", "create", "--name", "CLI template", "--category",
            "business", "--description", "made by the CLI matrix", "--definition",
            f"@{definition}"]


def _create_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    env.scene.track_template(str(data["id"]))
    expect(data["name"] == "CLI template" and data["category"] == "business", f"data {data}")
    expect(data["definition"] == env.scene.seeds.definition, "definition not stored as sent")
    expect(data["is_public"] is False, "a new template is public")


def _update_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["name"] == "CLI renamed template", f"name {data.get('name')!r}")
    expect(data["description"] == "patched by the CLI", f"description {data['description']!r}")


def _ok_check(path_after: str | None) -> CliCheck:
    def check(run: CliRun, env: CliEnv) -> None:
        expect(run.ok() == {"ok": True}, f"output {run.stdout.strip()!r}")
        if path_after is not None:
            status = env.scene.status_of(path_after.format(run.argv[3]))
            expect(status == 404, f"GET after delete answered {status}")

    return check


def _clone_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    env.scene.track(str(data["id"]))
    expect(data["name"] == "CLI clone", f"name {data.get('name')!r}")
    template = env.scene.get(f"{_BASE}/{run.argv[3]}")
    expect(data["definition"] == template["definition"], "the clone's definition differs")


def _favorite_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["id"] == run.argv[3] and data["is_favorite"] is True, f"data {data}")


def _favorited_argv(env: CliEnv) -> list[str]:
    template_id = env.scene.fresh_template()
    env.scene.post(f"{_BASE}/{template_id}/favorite")
    return ["--json", "templates", "unfavorite", template_id]


def _unfavorite_check(run: CliRun, env: CliEnv) -> None:
    _ok_check(None)(run, env)
    expect(env.scene.get(f"{_BASE}/{run.argv[3]}")["is_favorite"] is False, "still a favorite")


def _one(command: str, endpoint: str, argv: Argv, check: CliCheck, method: str) -> CliCase:
    return CliCase(("templates", command), (Invocation(argv, check, (endpoint,)),),
                   sdk_method=method)


_LIST = fixed("--json", "templates", "list", "--category", "media", "--sort", "name",
              "--limit", "5")

CASES = cli_table(
    _one("list", f"GET {_BASE}", _LIST, _list_check, "templates.list"),
    _one("show", f"GET {_ONE}", _starter_argv("show"), _show_check, "templates.get"),
    _one("create", f"POST {_BASE}", _create_argv, _create_check, "templates.create_template"),
    _one("update", f"PATCH {_ONE}",
         _own_argv("update", "--name", "CLI renamed template", "--description",
                   "patched by the CLI"), _update_check, "templates.update_template"),
    _one("delete", f"DELETE {_ONE}", _own_argv("delete", "--yes"),
         _ok_check(_BASE + "/{}"), "templates.delete_template"),
    _one("clone", f"POST {_ONE}/clone", _starter_argv("clone", "--name", "CLI clone"),
         _clone_check, "templates.clone"),
    _one("favorite", f"POST {_ONE}/favorite", _own_argv("favorite"), _favorite_check,
         "templates.favorite_template"),
    _one("unfavorite", f"DELETE {_ONE}/favorite", _favorited_argv, _unfavorite_check,
         "templates.unfavorite_template"),
)
