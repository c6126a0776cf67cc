"""``/api/v1/providers/...``: one catalog behind providers, models, voices and workflows."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from onepin.types import (
    ApiCountedListResponseCatalogVoiceOut,
    ApiListResponseCatalogModelOut,
    ApiListResponseCatalogProviderOut,
    ApiResponseCatalogModelOut,
    ApiResponseCatalogProviderOut,
)
from support import ACME, KEY, READ_ONLY_KEY, VERA, assert_error, bearer, session

from mockserver.world.catalog.catalog import Catalog

CATALOG = Catalog.load()
BASE = "/api/v1/providers"


def get(client: FlaskClient, url: str, headers: dict[str, str] = KEY) -> dict[str, Any]:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def all_model_voices(client: FlaskClient, href: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    url: str | None = f"{href}?limit=3"
    while url:
        body = get(client, url.replace("http://localhost", ""))
        ApiCountedListResponseCatalogVoiceOut.model_validate(body)
        rows += body["data"]
        url = body["pagination"]["next"]
    return rows


def test_traversal_providers_models_voices_agrees_with_the_catalog(client: FlaskClient) -> None:
    providers = get(client, BASE)
    ApiListResponseCatalogProviderOut.model_validate(providers)
    assert [p["provider"] for p in providers["data"]] == [p.provider for p in CATALOG.providers]
    listed: set[str] = set()
    for provider in providers["data"]:
        models = get(client, provider["links"]["models"]["href"].replace("http://localhost", ""))
        ApiListResponseCatalogModelOut.model_validate(models)
        assert provider["model_count"] == len(models["data"])
        for model in models["data"]:
            voices = all_model_voices(client, model["links"]["voices"]["href"]
                                      .replace("http://localhost", ""))
            assert model["voice_count"] == len(voices) > 0
            for voice in voices:
                whole = get(client, f"/api/v1/voices/{voice['id']}")["data"]
                assert whole["provider"] == provider["provider"]
                assert model["model"] in whole["supported_models"]
            listed |= {v["id"] for v in voices}
    assert listed == {v.id for v in CATALOG.voices}
    assert not listed & {v.id for v in CATALOG.retired_voices}


def test_one_provider_and_one_model_read_as_in_their_lists(client: FlaskClient) -> None:
    provider = get(client, f"{BASE}/sonora")
    ApiResponseCatalogProviderOut.model_validate(provider)
    assert provider["data"] == get(client, BASE)["data"][0]
    model = get(client, f"{BASE}/sonora/models/sonora-studio-3")
    ApiResponseCatalogModelOut.model_validate(model)
    assert model["data"]["controls"] and model["data"]["config_schema"]


def test_every_voice_a_seeded_workflow_names_is_reachable(client: FlaskClient) -> None:
    rows = get(client, "/api/v1/workflows?limit=100&include_definition=true")["data"]
    named = set()
    for workflow in rows:
        for node in (workflow.get("definition") or {}).get("graph", {}).get("nodes", []):
            for assignments in (node.get("config") or {}).get("voice_map", {}).values():
                named |= {(a["provider"], a["model"], a["catalog_voice_id"])
                          for a in assignments}
    assert named
    for provider, model, voice_id in named:
        href = f"{BASE}/{provider}/models/{model}/voices"
        assert voice_id in {v["id"] for v in all_model_voices(client, href)}


@pytest.mark.parametrize("url", [f"{BASE}/nobody", f"{BASE}/nobody/models",
                                 f"{BASE}/sonora/models/kestrel-swift",
                                 f"{BASE}/sonora/models/nothing/voices"])
def test_unknown_provider_or_model_is_404(client: FlaskClient, url: str) -> None:
    assert_error(client.get(url, headers=KEY), 404, "NOT_FOUND")


def test_catalog_read_scope_and_viewer_session(client: FlaskClient) -> None:
    assert_error(client.get(BASE, headers=bearer(READ_ONLY_KEY)), 403, "FORBIDDEN")
    assert get(client, BASE, headers=session(VERA, ACME))["data"]
    assert_error(client.get(BASE, headers=session(VERA)), 400, "BAD_REQUEST")


def test_node_detail_links_resolve(client: FlaskClient) -> None:
    """The generator's v2 detail points pickers at /voices and /providers: both answer."""
    detail = get(client, "/api/v2/nodes/operator_generator")["data"]
    hrefs = [option for option in (detail.get("options") or {}).values()
             if isinstance(option, dict) and option.get("kind") == "href"]
    assert {o["target"] for o in hrefs} >= {"/api/v1/voices", "/api/v1/providers"}
    for option in hrefs:
        assert client.get(option["target"], headers=KEY).status_code == 200, option
