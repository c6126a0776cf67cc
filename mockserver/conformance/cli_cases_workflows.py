"""CLI cases: the ``workflows`` group (runs are in cli_cases_runs)."""

from __future__ import annotations

import json
from typing import Any

from .cases import expect
from .cli_env import Argv, CliCase, CliCheck, CliEnv, CliRun, Invocation, cli_table, fixed
from .sdk_cases_workflows import SCRIPT

_BASE = "/api/v1/workflows"
_ONE = f"{_BASE}/{{workflow_id}}"


def _list_check(run: CliRun, env: CliEnv) -> None:
    rows = run.ok()
    expect(isinstance(rows, list) and 0 < len(rows) <= 5, f"{len(rows)} rows for --limit 5")
    expect(all(r["last_run_status"] == "completed" for r in rows), "--status not applied")
    counts = [r["runs_count"] for r in rows]
    expect(counts == sorted(counts, reverse=True), f"runs_count not descending: {counts}")


def _show_argv(env: CliEnv) -> list[str]:
    return ["--json", "workflows", "show", env.scene.seeds.workflow_id]


def _show_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["id"] == env.scene.seeds.workflow_id, f"id {data.get('id')!r}")
    expect("graph" in data["definition"], "definition without a graph")


def _create_argv(env: CliEnv) -> list[str]:
    definition = env.workdir / "definition.json"
    definition.write_text(json.dumps(env.scene.seeds.definition))
    return ["--json", "workflows", "create", "--name", "CLI create", "--description",
            "made by the CLI matrix", "--definition", f"@{definition}"]


def _create_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["name"] == "CLI create" and data["name_source"] == "user", f"data {data}")
    expect(data["definition"] == env.scene.seeds.definition, "definition not stored as sent")


def _update_argv(env: CliEnv) -> list[str]:
    return ["--json", "workflows", "update", env.scene.fresh_workflow(), "--name",
            "CLI renamed", "--description", "patched by the CLI"]


def _update_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["name"] == "CLI renamed", f"name {data.get('name')!r}")
    expect(data["description"] == "patched by the CLI", f"description {data['description']!r}")


def _delete_argv(env: CliEnv) -> list[str]:
    return ["--json", "workflows", "delete", env.scene.fresh_workflow(), "--yes"]


def _delete_check(run: CliRun, env: CliEnv) -> None:
    expect(run.ok() == {"ok": True}, f"output {run.stdout.strip()!r}")
    status = env.scene.status_of(f"{_BASE}/{run.argv[3]}")
    expect(status == 404, f"GET after delete answered {status}")


def _duplicate_argv(env: CliEnv) -> list[str]:
    return ["--json", "workflows", "duplicate", env.scene.seeds.workflow_id, "--name",
            "CLI copy"]


def _duplicate_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["name"] == "CLI copy", f"name {data.get('name')!r}")
    expect(data["id"] != env.scene.seeds.workflow_id, "the copy has the original's id")


def _uploads_argv(env: CliEnv) -> list[str]:
    return ["--json", "workflows", "uploads", env.scene.seeds.uploads_workflow_id]


def _uploads_check(run: CliRun, env: CliEnv) -> None:
    rows = run.ok()
    expect(isinstance(rows, list), f"output {rows!r}")
    expect(all(r["category"] in ("script", "dictionary") for r in rows), "bad category")


def _preview_argv(env: CliEnv) -> list[str]:
    return ["--json", "workflows", "preview-run", env.scene.seeds.workflow_id, "--script",
            SCRIPT, "--source-language", "en-us"]


def _preview_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["min_credits"] <= data["expected_credits"] <= data["max_credits"],
           f"credits not ordered: {data}")
    expect(isinstance(data["can_run"], bool), "can_run is not a boolean")


def _schema_check(run: CliRun, env: CliEnv) -> None:
    schema = run.ok()
    expect("graph" in schema.get("properties", {}), f"schema keys {sorted(schema)[:10]}")


_GENERATOR = "operator_generator"


def _generator(definition: dict[str, Any]) -> dict[str, Any]:
    nodes = [n for n in definition["graph"]["nodes"] if n.get("type") == _GENERATOR]
    expect(len(nodes) == 1, f"{len(nodes)} generators in the seeded definition, expected 1")
    return dict(nodes[0])


def _voice_target(definition: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A locale the seeded generator already voices, and the assignment to make it the only one.

    The last voice of that locale's list: with two or more voices the slot visibly changes
    (the CLI replaces the whole list with the one voice).
    """
    voice_map = (_generator(definition).get("config") or {}).get("voice_map") or {}
    for locale, assignments in voice_map.items():
        catalog = [a for a in assignments or [] if a.get("catalog_voice_id")]
        if catalog:
            return str(locale), dict(catalog[-1])
    raise AssertionError("the seeded generator assigns no catalog voice")


def _set_voice_argv(env: CliEnv) -> list[str]:
    locale, chosen = _voice_target(env.scene.seeds.definition)
    return ["--json", "workflows", "set-voice", env.scene.fresh_workflow(), "--locale", locale,
            "--voice", str(chosen["catalog_voice_id"])]


def _set_voice_model_argv(env: CliEnv) -> list[str]:
    # The seeded assignment's model is one the voice offers for that locale.
    model = str(_voice_target(env.scene.seeds.definition)[1]["model"])
    return [*_set_voice_argv(env), "--model", model]


def _set_voice_model_check(run: CliRun, env: CliEnv) -> None:
    _set_voice_check(run, env)
    model = _voice_target(env.scene.seeds.definition)[1]["model"]
    expect(run.json["voice"]["model"] == model, f"voice.model {run.json['voice']['model']!r}")


def _set_voice_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    seeded = env.scene.seeds.definition
    locale, chosen = _voice_target(seeded)
    voice = data["voice"]
    for key in ("catalog_voice_id", "voice_id", "provider", "voice_name"):
        expect(voice.get(key) == chosen[key], f"voice.{key} {voice.get(key)!r} != {chosen[key]!r}")
    expect(isinstance(voice.get("model"), str) and voice["model"], f"voice.model {voice!r}")
    expect(data["locale"] == locale, f"locale {data.get('locale')!r}")
    old_map = _generator(seeded)["config"]["voice_map"]
    expect(data["previous"] == old_map[locale], f"previous {data.get('previous')!r}")
    expect(data["node_id"] == _generator(seeded)["id"], f"node_id {data.get('node_id')!r}")
    stored = env.scene.get(f"{_BASE}/{run.argv[3]}")["definition"]
    new_map = _generator(stored)["config"]["voice_map"]
    expect(new_map[locale] == [voice], f"voice_map[{locale}] after GET: {new_map[locale]!r}")
    others = {k: v for k, v in new_map.items() if k != locale}
    expect(others == {k: v for k, v in old_map.items() if k != locale},
           "other locales of the voice_map changed")


def _duplicate_plain_argv(env: CliEnv) -> list[str]:
    return ["--json", "workflows", "duplicate", env.scene.seeds.workflow_id]


def _duplicate_plain_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["name"] == f"{env.scene.seeds.workflow_name} (Copy)", f"name {data['name']!r}")


def _preview_saved_argv(env: CliEnv) -> list[str]:
    return ["--json", "workflows", "preview-run", env.scene.seeds.workflow_id]


def _one(command: str, endpoint: str, argv: Argv, check: CliCheck, method: str) -> CliCase:
    return CliCase(("workflows", command), (Invocation(argv, check, (endpoint,)),),
                   sdk_method=method)


_LIST = fixed("--json", "workflows", "list", "--status", "completed", "--sort", "runs_count",
              "--order", "desc", "--limit", "5")
_DUPLICATE = f"POST {_ONE}/duplicate"
_PREVIEW = f"POST {_ONE}/runs/preview"
_SET_VOICE = (f"GET {_ONE}", "GET /api/v1/voices/{voice_id}", f"PATCH {_ONE}")

CASES = cli_table(
    _one("list", f"GET {_BASE}", _LIST, _list_check, "workflows.list"),
    _one("show", f"GET {_ONE}", _show_argv, _show_check, "workflows.get"),
    _one("create", f"POST {_BASE}", _create_argv, _create_check, "workflows.create_workflow"),
    _one("update", f"PATCH {_ONE}", _update_argv, _update_check, "workflows.patch_workflow"),
    _one("delete", f"DELETE {_ONE}", _delete_argv, _delete_check, "workflows.delete_workflow"),
    _one("uploads", f"GET {_ONE}/uploads", _uploads_argv, _uploads_check,
         "workflows.list_workflow_uploads"),
    CliCase(("workflows", "duplicate"), (
        Invocation(_duplicate_plain_argv, _duplicate_plain_check, (_DUPLICATE,), "plain"),
        Invocation(_duplicate_argv, _duplicate_check, (_DUPLICATE, f"PATCH {_ONE}"), "--name",
                   needs=("--name",)),
    )),
    CliCase(("workflows", "preview-run"), (
        Invocation(_preview_saved_argv, _preview_check, (_PREVIEW,), "saved script"),
        Invocation(_preview_argv, _preview_check, (_PREVIEW,), "--script",
                   needs=("--script", "--source-language")),
    )),
    CliCase(("workflows", "definition-schema"), (
        Invocation(fixed("workflows", "definition-schema"), _schema_check, ()),)),
    CliCase(("workflows", "set-voice"), (
        Invocation(_set_voice_argv, _set_voice_check, _SET_VOICE, "default model"),
        Invocation(_set_voice_model_argv, _set_voice_model_check, _SET_VOICE, "--model",
                   needs=("--model",)),
    )),
)
