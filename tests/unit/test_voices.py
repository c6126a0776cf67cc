"""``GET /api/v1/voices/{voice_id}``: catalog voices in the SDK's VoiceOut shape.

The ``client`` fixture is strict: every body below was also checked against openapi.yaml.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from onepin._cli.commands.composites import _voice_assignment
from onepin.types import ApiResponseVoiceOut, VoiceOut
from support import (
    ACME,
    ADA,
    GLOBEX,
    KEY,
    READ_ONLY_KEY,
    SECOND_WORKSPACE_KEY,
    VERA,
    assert_error,
    bearer,
    make_settings,
    session,
)

from mockserver.app import create_app
from mockserver.world.catalog.catalog import Catalog
from mockserver.world.catalog.catalog_types import Voice
from mockserver.world.catalog.graph_rules import _assignment_issue

CATALOG = Catalog.load()
VOICES = CATALOG.voices
MISSING = str(uuid.UUID(int=7))


def voice_url(voice_id: str) -> str:
    return f"/api/v1/voices/{voice_id}"


def get_voice(client: FlaskClient, voice_id: str, headers: dict[str, str] = KEY) -> Any:
    response = client.get(voice_url(voice_id), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()




@pytest.mark.parametrize("voice", VOICES, ids=[v.name for v in VOICES])
def test_every_catalog_voice_reads_as_sdk_voice_out(client: FlaskClient, voice: Voice) -> None:
    """Each voice answers 200, parses with the SDK models, mirrors the catalog, and the CLI can
    assign it in each of its locales."""
    body = get_voice(client, voice.id)
    ApiResponseVoiceOut.model_validate(body)
    out = VoiceOut.model_validate(body["data"])
    assert (out.id, out.name, out.provider, out.provider_voice_id) == (
        voice.id, voice.name, voice.provider, voice.provider_voice_id)
    assert out.is_active and out.source == "platform" and out.gender == voice.gender
    assert out.supported_languages == list(voice.locales)
    assert out.supported_models == list(voice.models)
    capabilities = out.model_capabilities or []
    assert [c.model for c in capabilities] == list(voice.models)
    for capability in capabilities:
        assert capability.languages_known
        assert capability.supported_languages == list(voice.locales)
    assert out.created_at <= out.updated_at
    assert_cli_assigns(body["data"], voice)


def assert_cli_assigns(row: dict[str, Any], voice: Voice) -> None:
    """What `workflows set-voice` derives from the body is an assignment the graph accepts."""
    for locale in voice.locales:
        assignment = _voice_assignment(row, locale, None)
        assert assignment["voice_id"] == voice.provider_voice_id
        assert assignment["catalog_voice_id"] == voice.id
        assert _assignment_issue(assignment, locale, CATALOG) is None
        for model in voice.models:
            explicit = _voice_assignment(row, locale, model)
            assert _assignment_issue(explicit, locale, CATALOG) is None


def test_voice_is_the_same_in_every_workspace_and_app(client: FlaskClient) -> None:
    """Voices are catalog-wide and deterministic: same body across workspaces and app builds."""
    voice_id = VOICES[0].id
    in_acme = get_voice(client, voice_id, session(ADA, ACME))["data"]
    in_globex = get_voice(client, voice_id, session(ADA, GLOBEX))["data"]
    assert in_acme == in_globex == get_voice(client, voice_id)["data"]
    with create_app(make_settings()).test_client() as other:
        assert get_voice(other, voice_id)["data"] == in_acme


def test_voice_id_is_a_uuid_in_any_case(client: FlaskClient) -> None:
    """An upper-case spelling of the id names the same voice."""
    voice = VOICES[0]
    assert get_voice(client, voice.id.upper())["data"]["id"] == voice.id


def test_unknown_voice_is_404(client: FlaskClient) -> None:
    assert_error(client.get(voice_url(MISSING), headers=KEY), 404, "NOT_FOUND")


def test_provider_voice_id_is_not_a_catalog_id(client: FlaskClient) -> None:
    """The provider's own id is not a UUID, so it fails path validation (422)."""
    response = client.get(voice_url(VOICES[0].provider_voice_id), headers=KEY)
    assert_error(response, 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("key", [READ_ONLY_KEY, SECOND_WORKSPACE_KEY])
def test_key_without_voices_read_is_403(client: FlaskClient, key: str) -> None:
    assert_error(client.get(voice_url(VOICES[0].id), headers=bearer(key)), 403, "FORBIDDEN")


def test_missing_credentials_is_401(client: FlaskClient) -> None:
    assert_error(client.get(voice_url(VOICES[0].id)), 401, "INVALID_API_KEY")


def test_viewer_session_reads_a_voice(client: FlaskClient) -> None:
    assert get_voice(client, VOICES[0].id, session(VERA, ACME))["data"]["id"] == VOICES[0].id


def test_session_without_workspace_is_400(client: FlaskClient) -> None:
    assert_error(client.get(voice_url(VOICES[0].id), headers=session(ADA)), 400, "BAD_REQUEST")
