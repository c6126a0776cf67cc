"""CLI cases: the ``voices`` and ``uploads`` groups."""

from __future__ import annotations

from typing import Any

from .cases import expect
from .cli_env import CliCase, CliEnv, CliRun, Invocation, cli_table, fixed
from .sdk_cases_uploads import SCRIPT

_VOICES = "/api/v1/voices"
_ONE = f"{_VOICES}/{{voice_id}}"
_UPLOADS = "/api/v1/uploads"


def _voice(env: CliEnv) -> dict[str, Any]:
    return env.scene.catalog_voice()


def _rows(run: CliRun) -> list[dict[str, Any]]:
    rows = run.ok()
    expect(isinstance(rows, list), f"output is not a list: {str(rows)[:80]}")
    return list(rows)


def _list_check(run: CliRun, env: CliEnv) -> None:
    rows = _rows(run)
    expect(0 < len(rows) <= 5, f"{len(rows)} rows for --limit 5")
    expect(all(r["gender"] == "female" for r in rows), "--gender not applied")


def _facets_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    genders = [item["value"] for item in data["genders"]]
    expect(genders == ["male", "female", "neutral"], f"genders {genders}")
    female = env.scene.get_page(_VOICES, gender="female", limit=1)["pagination"]["total"]
    expect(sum(item["count"] for item in data["ages"]) == female,
           "the age chips do not count the female voices")


def _show_argv(env: CliEnv) -> list[str]:
    return ["--json", "voices", "show", _voice(env)["id"]]


def _show_check(run: CliRun, env: CliEnv) -> None:
    expect(run.ok()["id"] == run.argv[3], f"id {run.ok().get('id')!r}")


def _similar_argv(env: CliEnv) -> list[str]:
    return ["--json", "voices", "similar", _voice(env)["id"], "--limit", "3", "--language",
            "en,ko"]


def _similar_check(run: CliRun, env: CliEnv) -> None:
    rows = _rows(run)
    expect(0 < len(rows) <= 3 and run.argv[3] not in {r["id"] for r in rows},
           f"{len(rows)} rows, or the voice itself among them")
    scores = [r["similarity_score"] for r in rows]
    expect(scores == sorted(scores, reverse=True), f"scores {scores}")


def _favorite_argv(env: CliEnv) -> list[str]:
    return ["--json", "voices", "favorite", _voice(env)["id"]]


def _favorite_check(run: CliRun, env: CliEnv) -> None:
    expect(run.ok()["is_favorite"] is True, "is_favorite not true")


def _unfavorite_argv(env: CliEnv) -> list[str]:
    voice_id = _voice(env)["id"]
    env.scene.post(f"{_VOICES}/{voice_id}/favorite")
    return ["--json", "voices", "unfavorite", voice_id]


def _unfavorite_check(run: CliRun, env: CliEnv) -> None:
    expect(run.ok() == {"ok": True}, f"output {run.stdout.strip()[:80]!r}")
    expect(env.scene.get(f"{_VOICES}/{run.argv[3]}")["is_favorite"] is False,
           "still a favorite")


def _sample_argv(env: CliEnv) -> list[str]:
    voice = _voice(env)
    return ["--json", "voices", "sample", voice["id"], "--language",
            voice["preview_locales"][0], "--model", voice["supported_models"][-1],
            "--out-dir", str(env.workdir), "--force"]


def _sample_check(run: CliRun, env: CliEnv) -> None:
    row = _rows(run)[0]
    expect(row["locale"] == run.argv[5] and row["fallback"] is False, f"row {row}")
    expect(row["model"] == run.argv[7], f"model {row['model']!r}")
    with open(row["path"], "rb") as clip:
        expect(clip.read(4) == b"RIFF", "the written sample is not a WAV file")


def _sample_default_argv(env: CliEnv) -> list[str]:
    owned = env.scene.get(_VOICES, source="workspace", limit=100)
    voice = next(v for v in owned if v.get("sample_url"))
    return ["--json", "voices", "sample", voice["id"]]


def _sample_default_check(run: CliRun, env: CliEnv) -> None:
    row = _rows(run)[0]
    expect(row["sample_url"] and row["locale"] is None, f"row {row}")


def _create_argv(env: CliEnv) -> list[str]:
    script = env.workdir / "cli-script.txt"
    script.write_bytes(SCRIPT)
    return ["--json", "uploads", "create", "--file", str(script), "--category", "script"]


def _create_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data.get("ok") is True and data.get("id"), f"output {data}")
    # The bytes arrived: the upload confirms with the file's size.
    confirmed = env.scene.post(f"{_UPLOADS}/{data['id']}", {
        "context_type": "workflow", "context_id": env.scene.seeds.workflow_id})
    expect(confirmed["size_bytes"] == len(SCRIPT), f"size_bytes {confirmed['size_bytes']}")


def _confirm_argv(env: CliEnv) -> list[str]:
    upload_id = env.scene.stored_upload("cli-confirm.txt", SCRIPT)
    return ["--json", "uploads", "confirm", upload_id, "--workflow-id",
            env.scene.seeds.workflow_id]


def _confirm_check(run: CliRun, env: CliEnv) -> None:
    data = run.ok()
    expect(data["status"] == "uploaded" and data["context_id"] == run.argv[5], f"data {data}")
    listed = env.scene.get(f"/api/v1/workflows/{run.argv[5]}/uploads", limit=100)
    expect(run.argv[3] in {u["id"] for u in listed}, "not listed on the workflow")


def _delete_argv(env: CliEnv) -> list[str]:
    return ["--json", "uploads", "delete", env.scene.stored_upload("cli-delete.txt", SCRIPT),
            "--yes"]


def _delete_check(run: CliRun, env: CliEnv) -> None:
    expect(run.ok() == {"ok": True}, f"output {run.stdout.strip()[:80]!r}")
    status = env.scene.http.delete(f"{_UPLOADS}/{run.argv[3]}").status_code
    expect(status == 404, f"a second delete answered {status}")


def _one(group: str, command: str, endpoint: str, argv: Any, check: Any) -> CliCase:
    return CliCase((group, command), (Invocation(argv, check, (endpoint,)),))


_LIST = fixed("--json", "voices", "list", "--gender", "female", "--limit", "5")
_FACETS = fixed("--json", "voices", "facets", "--gender", "female")
_FILES = "GET /files/{token}"

CASES = cli_table(
    _one("voices", "list", f"GET {_VOICES}", _LIST, _list_check),
    _one("voices", "facets", f"GET {_VOICES}/facets", _FACETS, _facets_check),
    _one("voices", "show", f"GET {_ONE}", _show_argv, _show_check),
    _one("voices", "similar", f"GET {_ONE}/similar", _similar_argv, _similar_check),
    _one("voices", "favorite", f"POST {_ONE}/favorite", _favorite_argv, _favorite_check),
    _one("voices", "unfavorite", f"DELETE {_ONE}/favorite", _unfavorite_argv,
         _unfavorite_check),
    CliCase(("voices", "sample"), (
        Invocation(_sample_argv, _sample_check, (f"GET {_ONE}/preview", _FILES),
                   "--language --model --out-dir", needs=("--language", "--model")),
        Invocation(_sample_default_argv, _sample_default_check, (f"GET {_ONE}",),
                   "default sample"),
    )),
    # The CLI PUTs the file to the signed upload_url itself (no Authorization header).
    CliCase(("uploads", "create"), (
        Invocation(_create_argv, _create_check, (f"POST {_UPLOADS}", "PUT /files/{token}")),)),
    _one("uploads", "confirm", f"POST {_UPLOADS}/{{upload_id}}", _confirm_argv, _confirm_check),
    _one("uploads", "delete", f"DELETE {_UPLOADS}/{{upload_id}}", _delete_argv, _delete_check),
)
