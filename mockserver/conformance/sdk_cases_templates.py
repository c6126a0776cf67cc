"""SDK cases: templates (the gallery, own templates, estimate, clone, favorites) and
``users.list_my_templates``."""

from __future__ import annotations

from typing import Any

from .cases import Call, Kit, SdkCase, expect, table
from .scene import Scene

_BASE = "/api/v1/templates"
_ONE = f"{_BASE}/{{template_id}}"
_MINE = "/api/v1/users/me/templates"
_CATEGORIES = ["media", "wellness"]


def _starter(scene: Scene, kit: Kit) -> Call:
    return Call((scene.starter_template()["id"],))


def _own(scene: Scene, kit: Kit) -> Call:
    return Call((scene.fresh_template(),))


def _list_build(scene: Scene, kit: Kit) -> Call:
    return Call(kwargs={"category": _CATEGORIES, "sort": "name", "limit": 5, "offset": 0,
                        "favorites_only": False})


def _list_check(result: Any, call: Call, scene: Scene) -> None:
    rows = result.data
    expect(0 < len(rows) <= 5, f"{len(rows)} rows for limit=5")
    expect(all(r.category in _CATEGORIES for r in rows), "category filter not applied")
    names = [r.name.casefold() for r in rows]
    expect(names == sorted(names), f"not sorted by name: {names}")
    expect(all(r.is_public for r in rows), "a gallery row is not public")
    expect(result.pagination.total >= len(rows), "pagination.total below the page size")


def _get_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(data.id == call.args[0], f"id {data.id!r}")
    expect(data.is_starter and data.is_public, "a starter that is not starter and public")
    expect(data.definition.graph is not None and data.definition.graph.nodes,
           "a starter without a graph")


def _create_build(scene: Scene, kit: Kit) -> Call:
    return Call(kwargs={"name": "Conformance create template", "description": "From the SDK",
                        "category": "education",
                        "definition": kit.model("WorkflowDefinitionInput",
                                                scene.seeds.definition)})


def _create_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    scene.track_template(data.id)
    expect(data.name == "Conformance create template", f"name {data.name!r}")
    expect(data.category == "education", f"category {data.category!r}")
    expect(not data.is_public and not data.is_starter, "a new template is not private")
    expect(data.uses_count == 0, f"uses_count {data.uses_count}")
    expect(scene.status_of(f"{_BASE}/{data.id}") == 200, "not readable afterwards")


def _update_build(scene: Scene, kit: Kit) -> Call:
    return Call((scene.fresh_template(),), {"name": "Conformance renamed template",
                                           "category": "media"})


def _update_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(data.name == "Conformance renamed template", f"name {data.name!r}")
    expect(data.category == "media", f"category {data.category!r}")
    expect(data.description == "Made by the matrix", "an omitted description changed")


def _delete_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data == {}, f"data {result.data!r}")
    status = scene.status_of(f"{_BASE}/{call.args[0]}")
    expect(status == 404, f"GET after delete answered {status}")


def _estimate_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(data.unit_chars > 0, f"unit_chars {data.unit_chars}")
    for level in ("min", "expected", "max"):
        total = getattr(data, f"total_{level}_credits_per_unit")
        parts = (getattr(data, f"variable_{level}_credits_per_unit")
                 + getattr(data, f"fixed_{level}_credits"))
        expect(total == parts, f"total_{level} {total} != variable + fixed {parts}")
    expect(data.total_min_credits_per_unit <= data.total_expected_credits_per_unit
           <= data.total_max_credits_per_unit, "totals not ordered")
    expect(data.breakdown, "empty breakdown")
    expect(data.source_snapshot == "published", f"source_snapshot {data.source_snapshot!r}")


def _clone_build(scene: Scene, kit: Kit) -> Call:
    return Call((scene.starter_template()["id"],), {"name": "Conformance clone"})


def _clone_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    scene.track(data.id)
    expect(data.name == "Conformance clone", f"name {data.name!r}")
    template = scene.get(f"{_BASE}/{call.args[0]}")
    workflow = scene.get(f"/api/v1/workflows/{data.id}")
    expect(workflow["definition"] == template["definition"],
           "the clone's definition differs from the template's")


def _favorite_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.id == call.args[0], f"id {result.data.id!r}")
    expect(result.data.is_favorite is True, f"is_favorite {result.data.is_favorite!r}")
    # A private template is no gallery row: the caller's own list shows the favorite.
    favorites = scene.get(_MINE, favorites_only="true", limit=100)
    expect(call.args[0] in {row["id"] for row in favorites}, "not in favorites_only")


def _favorited(scene: Scene, kit: Kit) -> Call:
    template_id = scene.fresh_template()
    scene.post(f"{_BASE}/{template_id}/favorite")
    return Call((template_id,))


def _unfavorite_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data == {}, f"data {result.data!r}")
    favorites = scene.get(_MINE, favorites_only="true", limit=100)
    expect(call.args[0] not in {row["id"] for row in favorites}, "still a favorite")
    expect(scene.get(f"{_BASE}/{call.args[0]}")["is_favorite"] is False, "is_favorite still true")


def _mine_build(scene: Scene, kit: Kit) -> Call:
    scene.fresh_template("Conformance mine")
    return Call(kwargs={"search": "conformance MINE", "sort": "recent", "limit": 10})


def _mine_check(result: Any, call: Call, scene: Scene) -> None:
    names = [row.name for row in result.data]
    expect(names and all("conformance mine" in n.casefold() for n in names),
           f"search not applied: {names}")
    expect(not any(row.is_starter for row in result.data), "a starter among my templates")
    expect(result.pagination.total == len(names), f"pagination.total {result.pagination.total}")


CASES = table(
    SdkCase("templates.list", f"GET {_BASE}", _list_build, _list_check),
    SdkCase("templates.get", f"GET {_ONE}", _starter, _get_check),
    SdkCase("templates.create_template", f"POST {_BASE}", _create_build, _create_check),
    SdkCase("templates.update_template", f"PATCH {_ONE}", _update_build, _update_check),
    SdkCase("templates.delete_template", f"DELETE {_ONE}", _own, _delete_check),
    SdkCase("templates.estimate_template", f"GET {_ONE}/estimate", _starter, _estimate_check),
    SdkCase("templates.clone", f"POST {_ONE}/clone", _clone_build, _clone_check),
    SdkCase("templates.favorite_template", f"POST {_ONE}/favorite", _own, _favorite_check),
    SdkCase("templates.unfavorite_template", f"DELETE {_ONE}/favorite", _favorited,
            _unfavorite_check),
    SdkCase("users.list_my_templates", f"GET {_MINE}", _mine_build,
            _mine_check),
)
