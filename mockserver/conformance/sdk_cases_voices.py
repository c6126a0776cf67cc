"""SDK cases: voices (list, facets, one, similar, preview, favorites) and the provider catalog."""

from __future__ import annotations

from typing import Any

from .cases import Call, Kit, SdkCase, expect, no_args, table
from .scene import Scene

FACET_DIMENSIONS = ("providers", "models", "languages", "genders", "ages", "categories",
                    "accents")


def _voice(scene: Scene) -> dict[str, Any]:
    """A platform voice with a preview clip (and its provider and first model)."""
    return scene.catalog_voice()


def _voice_call(scene: Scene, kit: Kit) -> Call:
    return Call((_voice(scene)["id"],), {"workspace_id": scene.workspace_id})


# -- voices --------------------------------------------------------------------------------


def _list_build(scene: Scene, kit: Kit) -> Call:
    return Call(kwargs={"gender": ["female", "male"], "source": ["platform"],
                        "language": ["en-us"], "sort": ["uses_count", "name"],
                        "order": ["desc"], "limit": 5})


def _list_check(result: Any, call: Call, scene: Scene) -> None:
    rows = result.data
    expect(0 < len(rows) <= 5, f"{len(rows)} rows for limit=5")
    sent = call.kwargs  # an older SDK may lack some filters: check those it sent
    if "gender" in sent:
        expect(all(v.gender in ("female", "male") for v in rows), "gender not applied")
    if "source" in sent:
        expect(all(v.source == "platform" for v in rows), "source not applied")
    if "language" in sent:
        expect(all("en-us" in (v.supported_languages or []) for v in rows),
               "language not applied")
    if "sort" in sent:
        uses = [v.uses_count or 0 for v in rows]
        expect(uses == sorted(uses, reverse=True), f"uses_count not descending: {uses}")
    expect(result.pagination.total >= len(rows), "pagination.total below the page size")
    expect(all(v.is_favorite in (True, False) for v in rows), "is_favorite not a boolean")


def _facets_build(scene: Scene, kit: Kit) -> Call:
    return Call(kwargs={"gender": ["female"]})


def _facets_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    for name in FACET_DIMENSIONS:
        expect(isinstance(getattr(data, name), list), f"{name} is not a list")
    genders = [item.value for item in data.genders]
    expect(genders == ["male", "female", "neutral"], f"genders {genders}")
    female = scene.get_page("/api/v1/voices", gender="female", limit=1)["pagination"]["total"]
    chip = next(item.count for item in data.genders if item.value == "female")
    expect(chip == female, f"female chip {chip} != list total {female}")
    if "gender" in call.kwargs:  # every other dimension counts female voices only
        expect(sum(item.count for item in data.ages) == female, "ages ignore the gender filter")


def _get_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.id == call.args[0], f"id {result.data.id!r}")
    expect(result.data.is_favorite in (True, False), "is_favorite not a boolean")


def _similar_build(scene: Scene, kit: Kit) -> Call:
    return Call((_voice(scene)["id"],), {"limit": 5, "language": ["en"]})


def _similar_check(result: Any, call: Call, scene: Scene) -> None:
    rows = result.data
    scores = [v.similarity_score for v in rows]
    expect(0 < len(rows) <= 5, f"{len(rows)} rows for limit=5")
    expect(call.args[0] not in {v.id for v in rows}, "the reference voice is among its own")
    expect(all(0 <= s <= 1 for s in scores) and scores == sorted(scores, reverse=True),
           f"scores {scores}")


def _preview_build(scene: Scene, kit: Kit) -> Call:
    voice = _voice(scene)
    return Call((voice["id"],), {"language": voice["preview_locales"][0].split("-")[0],
                                 "model": voice["supported_models"][-1]})


def _preview_check(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(data.locale.startswith(call.kwargs["language"] + "-"), f"locale {data.locale!r}")
    expect(data.model == call.kwargs["model"], f"model {data.model!r}")
    clip = scene.fetch(data.sample_url)
    expect(clip.status_code == 200 and clip.content[:4] == b"RIFF", "sample_url is no WAV")


def _favorite_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.is_favorite is True, f"is_favorite {result.data.is_favorite!r}")
    favorites = scene.get("/api/v1/voices", favorites_only="true", limit=100)
    expect(call.args[0] in {v["id"] for v in favorites}, "not under favorites_only")


def _unfavorite_build(scene: Scene, kit: Kit) -> Call:
    voice_id = _voice(scene)["id"]
    scene.post(f"/api/v1/voices/{voice_id}/favorite")
    return Call((voice_id,), {"workspace_id": scene.workspace_id})


def _unfavorite_check(result: Any, call: Call, scene: Scene) -> None:
    favorites = scene.get("/api/v1/voices", favorites_only="true", limit=100)
    expect(call.args[0] not in {v["id"] for v in favorites}, "still under favorites_only")
    expect(scene.get(f"/api/v1/voices/{call.args[0]}")["is_favorite"] is False,
           "is_favorite still true")


# -- providers -----------------------------------------------------------------------------


def _provider_call(scene: Scene, kit: Kit) -> Call:
    return Call((_voice(scene)["provider"],), {"workspace_id": scene.workspace_id})


def _model_call(scene: Scene, kit: Kit) -> Call:
    voice = _voice(scene)
    return Call((voice["provider"], voice["supported_models"][0]),
                {"workspace_id": scene.workspace_id})


def _providers_check(result: Any, call: Call, scene: Scene) -> None:
    rows = result.data
    expect(rows and all(p.model_count > 0 for p in rows), "providers without models")
    expect(all(p.links and "models" in p.links for p in rows), "no models link")


def _provider_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.provider == call.args[0], f"provider {result.data.provider!r}")


def _models_check(result: Any, call: Call, scene: Scene) -> None:
    rows = result.data
    expect(rows and all(m.links and "voices" in m.links for m in rows), "no voices link")
    expect(sum(m.voice_count for m in rows) > 0, "no voices under any model")


def _model_check(result: Any, call: Call, scene: Scene) -> None:
    expect(result.data.model == call.args[1], f"model {result.data.model!r}")
    listed = scene.get_page(f"/api/v1/providers/{call.args[0]}/models/{call.args[1]}/voices",
                            limit=1)["pagination"]["total"]
    expect(result.data.voice_count == listed, f"voice_count {result.data.voice_count} != "
                                              f"{listed} listed")


def _model_voices_build(scene: Scene, kit: Kit) -> Call:
    voice = _voice(scene)
    return Call((voice["provider"], voice["supported_models"][0]), {"limit": 100})


def _model_voices_check(result: Any, call: Call, scene: Scene) -> None:
    ids = {v.id for v in result.data}
    expect(_voice(scene)["id"] in ids, "the voice that declares the model is not listed")
    expect(result.pagination.total == len(ids), f"total {result.pagination.total}")


CASES = table(
    SdkCase("voices.list", "GET /api/v1/voices", _list_build, _list_check),
    SdkCase("voices.get_voice_facets", "GET /api/v1/voices/facets", _facets_build,
            _facets_check),
    SdkCase("voices.get", "GET /api/v1/voices/{voice_id}", _voice_call, _get_check),
    SdkCase("voices.similar", "GET /api/v1/voices/{voice_id}/similar", _similar_build,
            _similar_check),
    SdkCase("voices.preview", "GET /api/v1/voices/{voice_id}/preview", _preview_build,
            _preview_check),
    SdkCase("voices.favorite_voice", "POST /api/v1/voices/{voice_id}/favorite", _voice_call,
            _favorite_check),
    SdkCase("voices.unfavorite_voice", "DELETE /api/v1/voices/{voice_id}/favorite",
            _unfavorite_build, _unfavorite_check),
    SdkCase("providers.list_catalog_providers", "GET /api/v1/providers", no_args,
            _providers_check),
    SdkCase("providers.get_catalog_provider", "GET /api/v1/providers/{provider}",
            _provider_call, _provider_check),
    SdkCase("providers.list_catalog_provider_models", "GET /api/v1/providers/{provider}/models",
            _provider_call, _models_check),
    SdkCase("providers.get_catalog_provider_model",
            "GET /api/v1/providers/{provider}/models/{model}", _model_call, _model_check),
    SdkCase("providers.list_catalog_provider_model_voices",
            "GET /api/v1/providers/{provider}/models/{model}/voices", _model_voices_build,
            _model_voices_check),
)
