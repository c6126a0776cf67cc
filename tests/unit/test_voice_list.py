"""``GET /api/v1/voices`` and ``/voices/facets``: one population, filters, sorts and counts.

The ``client`` fixture is strict: every body below was also checked against openapi.yaml.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from onepin.types import ApiCountedListResponseVoiceOut, ApiResponseVoiceFacetsOut
from support import ACME, KEY, READ_ONLY_KEY, VERA, assert_error, bearer, session

from mockserver.app import mock_of
from mockserver.world.catalog.catalog import Catalog

CATALOG = Catalog.load()
LIST = "/api/v1/voices"
FACETS = "/api/v1/voices/facets"


def voices(client: FlaskClient, query: str = "", headers: dict[str, str] = KEY
           ) -> dict[str, Any]:
    response = client.get(f"{LIST}?limit=100&{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    ApiCountedListResponseVoiceOut.model_validate(body)
    return body


def facets(client: FlaskClient, query: str = "") -> dict[str, Any]:
    response = client.get(f"{FACETS}?{query}", headers=KEY)
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return ApiResponseVoiceFacetsOut.model_validate(body).model_dump()["data"]


def test_list_holds_catalog_and_workspace_voices(client: FlaskClient) -> None:
    body = voices(client)
    sources = [v["source"] for v in body["data"]]
    assert body["pagination"]["total"] == len(body["data"]) == len(CATALOG.voices) + 12
    assert sources.count("platform") == len(CATALOG.voices)
    retired = {v.id for v in CATALOG.retired_voices}
    assert not retired & {v["id"] for v in body["data"]}
    assert all(v["is_favorite"] in (True, False) for v in body["data"])


def test_facets_is_not_taken_for_a_voice_id(client: FlaskClient) -> None:
    data = facets(client)
    assert {item["value"] for item in data["providers"]} == {p.provider for p in CATALOG.providers}


@pytest.mark.parametrize("query", ["", "gender=female", "source=workspace", "language=en-us",
                                   "provider=sonora&age=young", "search=voice",
                                   "favorites_only=true"])
def test_every_chip_counts_what_the_list_would_total(client: FlaskClient, query: str) -> None:
    data = facets(client, query)
    dimensions = {"providers": "provider", "models": "model", "languages": "language",
                  "genders": "gender", "ages": "age", "categories": "category",
                  "accents": "accent"}
    others = "&".join(p for p in query.split("&") if p)
    for dimension, name in dimensions.items():
        kept = "&".join(p for p in others.split("&") if p and not p.startswith(f"{name}="))
        for item in data[dimension]:
            total = voices(client, f"{kept}&{name}={item['value']}")["pagination"]["total"]
            assert item["count"] == total, (dimension, item)


def test_fixed_dimensions_list_every_value_with_zeros(client: FlaskClient) -> None:
    data = facets(client, "provider=quill")
    assert [i["value"] for i in data["genders"]] == ["male", "female", "neutral"]
    assert len(data["accents"]) == 24 and any(i["count"] == 0 for i in data["accents"])
    assert all(i["count"] > 0 for i in data["providers"] + data["models"] + data["languages"])
    counts = [i["count"] for i in data["models"]]
    assert counts == sorted(counts, reverse=True)


def test_filters_or_within_and_across(client: FlaskClient) -> None:
    female = voices(client, "gender=female")["pagination"]["total"]
    male = voices(client, "gender=male")["pagination"]["total"]
    both = voices(client, "gender=female&gender=male")
    assert both["pagination"]["total"] == female + male
    narrowed = voices(client, "gender=female&provider=sonora")
    assert all(v["gender"] == "female" and v["provider"] == "sonora" for v in narrowed["data"])
    assert 0 < narrowed["pagination"]["total"] < female


def test_source_workspace_means_every_owned_voice(client: FlaskClient) -> None:
    owned = voices(client, "source=workspace")
    assert owned["pagination"]["total"] == 12
    assert voices(client, "source=platform&source=workspace")["pagination"]["total"] == 42


def test_language_fills_the_language_sample(client: FlaskClient) -> None:
    rows = voices(client, "language=de-de")["data"]
    assert rows and all("de-de" in v["supported_languages"] for v in rows)
    for v in rows:
        has_clip = "de-de" in (v["preview_locales"] or [])
        assert (v["language_sample_locale"] == "de-de") is has_clip
        assert (v["language_sample_url"] is not None) is has_clip
    assert all(v["language_sample_url"] is None for v in voices(client)["data"])


def test_multi_sort_with_default_directions(client: FlaskClient) -> None:
    rows = voices(client, "sort=uses_count")["data"]
    uses = [v["uses_count"] for v in rows]
    assert uses == sorted(uses, reverse=True)  # uses_count defaults to desc
    rows = voices(client, "sort=name&sort=created_at&order=desc")["data"]
    names = [v["name"].lower() for v in rows]
    assert names == sorted(names, reverse=True)
    newest = voices(client)["data"]
    assert [v["created_at"] for v in newest] == sorted((v["created_at"] for v in newest),
                                                        reverse=True)


def test_pages_are_slices_of_one_order(client: FlaskClient) -> None:
    whole = [v["id"] for v in voices(client, "sort=name")["data"]]
    first = client.get(f"{LIST}?sort=name&limit=10&offset=10", headers=KEY).get_json()
    assert [v["id"] for v in first["data"]] == whole[10:20]
    assert first["pagination"]["total"] == len(whole)


def test_unknown_provider_or_model_matches_nothing(client: FlaskClient) -> None:
    for query in ("provider=nobody", "model=sonic-99"):
        assert voices(client, query)["pagination"]["total"] == 0
        assert all(i["count"] == 0 for i in facets(client, query)["genders"])


@pytest.mark.parametrize("query, field", [("language=xx-yy", "language"),
                                          ("gender=robot", "gender"), ("limit=101", "limit")])
def test_bad_filters_are_422_naming_the_parameter(client: FlaskClient, query: str,
                                                  field: str) -> None:
    for url in (LIST,) if field == "limit" else (LIST, FACETS):
        body = assert_error(client.get(f"{url}?{query}", headers=KEY), 422, "VALIDATION_ERROR")
        assert body["error"]["details"][0]["field"] == field


def test_viewer_session_lists_and_key_without_scope_is_403(client: FlaskClient) -> None:
    assert voices(client, headers=session(VERA, ACME))["pagination"]["total"] == 42
    assert_error(client.get(LIST, headers=bearer(READ_ONLY_KEY)), 403, "FORBIDDEN")
    assert_error(client.get(FACETS), 401, "INVALID_API_KEY")


# -- favorites --------------------------------------------------------------------------------

VOICE = "be7844d6-16ce-5384-8d85-765cd2bfbec3"  # Atlas, a catalog voice


def favorite_ids(client: FlaskClient, headers: dict[str, str] = KEY) -> list[str]:
    return [v["id"] for v in voices(client, "favorites_only=true", headers)["data"]]


def test_favorite_is_idempotent_and_agrees_everywhere(client: FlaskClient) -> None:
    before = favorite_ids(client)
    assert VOICE not in before
    for _ in range(2):
        response = client.post(f"{LIST}/{VOICE}/favorite", headers=KEY)
        assert response.status_code == 200 and response.get_json()["data"]["is_favorite"] is True
    assert favorite_ids(client) == [VOICE, *before]  # most recently favorited first
    assert client.get(f"{LIST}/{VOICE}", headers=KEY).get_json()["data"]["is_favorite"] is True
    row = next(v for v in voices(client)["data"] if v["id"] == VOICE)
    assert row["is_favorite"] is True
    assert facets(client, "favorites_only=true")["genders"] and sum(
        i["count"] for i in facets(client, "favorites_only=true")["genders"]) == len(before) + 1
    # Favorites belong to the workspace: another member sees the same set.
    assert favorite_ids(client, session(VERA, ACME)) == [VOICE, *before]
    for _ in range(2):
        response = client.delete(f"{LIST}/{VOICE}/favorite", headers=KEY)
        assert response.status_code == 200 and response.get_json()["data"] == {}
    assert favorite_ids(client) == before
    assert client.get(f"{LIST}/{VOICE}", headers=KEY).get_json()["data"]["is_favorite"] is False


def test_favorites_are_events_reset_with_the_workspace(client: FlaskClient) -> None:
    engine = mock_of(client.application).engine
    seen = len(engine.events())
    client.post(f"{LIST}/{VOICE}/favorite", headers=KEY)
    client.post(f"{LIST}/{VOICE}/favorite", headers=KEY)
    kinds = [e.kind for e in engine.events()[seen:]]
    assert kinds.count("voice.favorited") == 1  # the second changed nothing
    client.post("/__mock/reset", json={"workspace_id": ACME},
                headers={"X-Requested-With": "test"})
    assert VOICE not in favorite_ids(client)


def test_favorite_needs_an_editor_and_a_known_voice(client: FlaskClient) -> None:
    assert_error(client.post(f"{LIST}/{VOICE}/favorite", headers=session(VERA, ACME)), 403,
                 "FORBIDDEN")
    assert_error(client.post(f"{LIST}/{VOICE}/favorite", headers=bearer(READ_ONLY_KEY)), 403,
                 "FORBIDDEN")
    missing = "00000000-0000-0000-0000-000000000007"
    assert_error(client.post(f"{LIST}/{missing}/favorite", headers=KEY), 404, "NOT_FOUND")
    assert_error(client.delete(f"{LIST}/{missing}/favorite", headers=KEY), 404, "NOT_FOUND")
    retired = CATALOG.retired_voices[0].id
    assert_error(client.post(f"{LIST}/{retired}/favorite", headers=KEY), 404, "NOT_FOUND")
    assert VOICE not in favorite_ids(client)
