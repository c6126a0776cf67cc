"""GET /__mock/state exports a workspace's own templates, its dictionary and its uploads'
digests, and a fresh mock that loads the export exports the same document again."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient
from support import (
    ACME,
    GLOBEX,
    GUS,
    KEY,
    assert_error,
    make_settings,
    ok,
    session,
)

from mockserver.app import create_app

DICTIONARY, TEMPLATES, UPLOADS = "/api/v1/dictionary", "/api/v1/templates", "/api/v1/uploads"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)
SCRIPT = b"Welcome aboard.\nPlease fasten your seat belt.\n"
GLOBEX_AS = session(GUS, GLOBEX, ttl=86400)  # the Globex key lacks these scopes


def _upload(client: FlaskClient, filename: str, category: str, content: bytes,
            content_type: str) -> str:
    made = ok(client.post(UPLOADS, json={"filename": filename, "category": category},
                          headers=KEY), 201)
    put = client.put(made["upload_url"].replace("http://localhost", ""), data=content,
                     headers={"Content-Type": content_type})
    assert put.status_code == 200, put.get_data(as_text=True)
    workflow = ok(client.get("/api/v1/workflows?limit=1", headers=KEY))[0]["id"]
    ok(client.post(f"{UPLOADS}/{made['upload']['id']}", headers=KEY,
                   json={"context_type": "workflow", "context_id": workflow}))
    return str(made["upload"]["id"])


def _write_content(client: FlaskClient) -> dict[str, str]:
    """Templates and entries made, changed and deleted; a recorded entry's clip and a
    script uploaded. Returns the ids a test looks for."""
    mine = ok(client.get("/api/v1/users/me/templates?limit=100", headers=KEY))[0]
    published = [t for t in ok(client.get(f"{TEMPLATES}?limit=100", headers=KEY))
                 if not t["is_starter"]]  # Acme's and Globex's
    made = ok(client.post(TEMPLATES, headers=KEY, json={
        "name": "Gate calls", "description": "Boarding", "category": "business"}), 201)
    ok(client.post(f"{TEMPLATES}/{made['id']}/clone", headers=KEY, json={}), 201)
    ok(client.patch(f"{TEMPLATES}/{mine['id']}", headers=KEY, json={"name": "Renamed"}))
    deletes = [client.delete(f"{TEMPLATES}/{t['id']}", headers=KEY).status_code
               for t in published]
    assert sorted(deletes) == [200, 403]  # Acme's published template goes, Globex's stays
    clip = _upload(client, "podonos.wav", "dictionary", WAV, "audio/wav")
    script = _upload(client, "cabin.txt", "script", SCRIPT, "text/plain")
    recorded = ok(client.post(DICTIONARY, headers=KEY, json={
        "word": "Podonos", "method": "recorded", "language": "en-us", "upload_id": clip}), 201)
    spelled = ok(client.post(DICTIONARY, headers=GLOBEX_AS, json={
        "word": "Globex", "method": "spelled", "language": "en-gb",
        "pronunciation": "GLOH-bex"}), 201)
    seeded_entry = ok(client.get(f"{DICTIONARY}?language=en-us&order=asc&limit=1",
                                 headers=KEY))[0]
    ok(client.delete(f"{DICTIONARY}/{seeded_entry['id']}", headers=KEY))
    gone = next(t["id"] for t, status in zip(published, deletes, strict=True) if status == 200)
    return {"template": made["id"], "renamed": mine["id"], "gone": gone,
            "recorded": recorded["id"], "spelled": spelled["id"], "clip": clip,
            "script": script, "deleted_entry": seeded_entry["id"]}


def _document(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.get_data(as_text=True)
    loaded: dict[str, Any] = yaml.safe_load(response.get_data(as_text=True))
    return loaded


def _reads(client: FlaskClient) -> list[Any]:
    """What a client sees of the exported content in both workspaces."""
    seen = []
    for headers in (KEY, GLOBEX_AS):
        seen.append(ok(client.get("/api/v1/users/me/templates?limit=100", headers=headers)))
        for language in ("en-us", "en-gb"):
            seen.append(ok(client.get(f"{DICTIONARY}?language={language}&limit=50",
                                      headers=headers)))
    seen.append(ok(client.get(f"{TEMPLATES}?limit=100", headers=KEY)))
    return seen


def _drop_links(value: Any) -> Any:
    """Signed links carry their own expiry and signature; everything else must match."""
    if isinstance(value, dict):
        return {k: _drop_links(v) for k, v in value.items() if k != "audio_url"}
    if isinstance(value, list):
        return [_drop_links(v) for v in value]
    return value


def test_export_holds_templates_entries_and_upload_digests(client: FlaskClient) -> None:
    ids = _write_content(client)
    document = _document(client.get("/__mock/state"))
    templates = {t["id"]: t for t in document["templates"]}
    assert templates[ids["template"]]["name"] == "Gate calls"
    assert templates[ids["template"]]["uses_count"] == 1  # the clone
    assert templates[ids["template"]]["published"] is None
    assert templates[ids["renamed"]]["name"] == "Renamed" and ids["gone"] not in templates
    assert {t["workspace"] for t in document["templates"]} == {ACME, GLOBEX}
    entries = {e["id"]: e for e in document["dictionary"]}
    assert (entries[ids["recorded"]]["method"], entries[ids["recorded"]]["upload_id"]) == \
        ("recorded", ids["clip"])
    assert entries[ids["spelled"]]["workspace"] == GLOBEX
    assert ids["deleted_entry"] not in entries
    uploads = {u["id"]: u for u in document["uploads"]}
    assert uploads[ids["clip"]]["sha256"] == hashlib.sha256(WAV).hexdigest()
    assert uploads[ids["script"]]["size_bytes"] == len(SCRIPT)
    assert all(w["template_count"] == w["dictionary_count"] == 0
               for w in document["workspaces"])


def test_export_loaded_into_a_fresh_mock_exports_the_same(client: FlaskClient) -> None:
    _write_content(client)
    exported = client.get("/__mock/state")
    fresh = create_app(make_settings()).test_client()
    ok(fresh.post("/__mock/fixtures", data=exported.get_data(),
                  content_type="application/yaml"))
    assert _document(fresh.get("/__mock/state")) == _document(exported)
    assert _drop_links(_reads(fresh)) == _drop_links(_reads(client))


def test_export_loaded_as_startup_fixtures_exports_the_same(client: FlaskClient,
                                                           tmp_path: Any) -> None:
    _write_content(client)
    exported = client.get("/__mock/state")
    path = tmp_path / "state.yaml"
    path.write_bytes(exported.get_data())
    fresh = create_app(make_settings(fixtures_path=path)).test_client()
    assert _document(fresh.get("/__mock/state")) == _document(exported)
    assert _drop_links(_reads(fresh)) == _drop_links(_reads(client))


@pytest.mark.parametrize(("record", "field"), [
    ({"workspace": ACME, "id": "Zz000001", "name": "No graph"}, "definition"),
    ({"workspace": ACME, "id": "Zz000001", "name": "x", "definition": {"graph": {}},
      "colour": "red"}, "colour"),
])
def test_a_bad_template_pin_is_refused_naming_its_field(client: FlaskClient,
                                                        record: dict[str, Any],
                                                        field: str) -> None:
    body = assert_error(client.post("/__mock/fixtures", json={"templates": [record]}), 422,
                        "VALIDATION_ERROR")
    assert any(f"templates[0].{field}" in d["message"] for d in body["error"]["details"]), body


def test_a_second_entry_of_a_word_in_one_language_is_refused(client: FlaskClient) -> None:
    entry = {"workspace": ACME, "word": "Twice", "method": "spelled", "language": "en-us",
             "pronunciation": "twyce"}
    body = assert_error(client.post("/__mock/fixtures", json={"dictionary": [
        {**entry, "id": "00000000-0000-4000-8000-000000000001"},
        {**entry, "id": "00000000-0000-4000-8000-000000000002", "word": "TWICE "}]}),
        422, "VALIDATION_ERROR")
    assert any("dictionary[1].word" in d["message"] for d in body["error"]["details"]), body
