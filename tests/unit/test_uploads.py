"""Uploads: create, PUT the bytes to the signed ``upload_url`` (no auth), confirm, delete.

The ``client`` fixture is strict: every body below was also checked against openapi.yaml.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from onepin.types import ApiResponseUploadCreateResponse, ApiResponseUploadOut
from support import (
    ACME,
    ELI,
    KEY,
    VERA,
    assert_error,
    make_settings,
    ok,
    session,
)

from mockserver.app import create_app, mock_of
from mockserver.world.dataset.upload_files import pdf_body
from mockserver.world.service.uploads import confirmed_upload

UPLOADS = "/api/v1/uploads"
SCRIPT = "  Welcome aboard.\n\nPlease fasten your seat belt.  \nMerci beaucoup, à bientôt.\n"
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)


def first_workflow(client: FlaskClient) -> str:
    return str(ok(client.get("/api/v1/workflows?limit=1", headers=KEY))[0]["id"])


def create(client: FlaskClient, filename: str = "cabin.txt", category: str = "script",
           headers: dict[str, str] = KEY) -> dict[str, Any]:
    response = client.post(UPLOADS, json={"filename": filename, "category": category},
                           headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    ApiResponseUploadCreateResponse.model_validate(response.get_json())
    data: dict[str, Any] = response.get_json()["data"]
    assert data["upload"]["status"] == "pending" and data["upload"]["size_bytes"] is None
    return data


def put(client: FlaskClient, created: dict[str, Any], content: bytes,
        content_type: str = "text/plain") -> Any:
    """The PUT as the CLI sends it: the upload's content type, no Authorization header."""
    return client.put(created["upload_url"].replace("http://localhost", ""), data=content,
                      headers={"Content-Type": content_type})


def confirm(client: FlaskClient, upload_id: str, workflow_id: str,
            headers: dict[str, str] = KEY) -> Any:
    return client.post(f"{UPLOADS}/{upload_id}", headers=headers,
                       json={"context_type": "workflow", "context_id": workflow_id})


def listed(client: FlaskClient, workflow_id: str) -> list[str]:
    rows = ok(client.get(f"/api/v1/workflows/{workflow_id}/uploads?limit=100", headers=KEY))
    return [row["id"] for row in rows]


def uploaded(client: FlaskClient, content: bytes = SCRIPT.encode(), filename: str = "cabin.txt"
             ) -> dict[str, Any]:
    workflow = first_workflow(client)
    created = create(client, filename)
    assert put(client, created, content).status_code == 200
    response = confirm(client, created["upload"]["id"], workflow)
    assert response.status_code == 200, response.get_data(as_text=True)
    ApiResponseUploadOut.model_validate(response.get_json())
    data: dict[str, Any] = response.get_json()["data"]
    return data


def test_a_confirmed_script_is_listed_with_the_sdk_counts(client: FlaskClient) -> None:
    workflow = first_workflow(client)
    before = listed(client, workflow)
    created = create(client, "folder/cabin.txt")
    assert created["upload"]["filename"] == "cabin.txt"
    assert listed(client, workflow) == before  # pending uploads are not listed
    assert put(client, created, SCRIPT.encode()).status_code == 200
    assert listed(client, workflow) == before
    data = ok(confirm(client, created["upload"]["id"], workflow))
    lines = ["Welcome aboard.", "Please fasten your seat belt.", "Merci beaucoup, à bientôt."]
    assert data["status"] == "uploaded" and data["context_id"] == workflow
    assert data["size_bytes"] == len(SCRIPT.encode())  # bytes, not characters
    assert data["line_count"] == 3 and data["char_count"] == sum(len(x) for x in lines)
    assert data["detected_language"] == "en"
    assert listed(client, workflow) == [*before, data["id"]]
    download = client.get(data["download_url"].replace("http://localhost", ""))
    assert download.data == SCRIPT.encode()
    # Confirming again answers the same upload and changes nothing.
    assert ok(confirm(client, data["id"], workflow))["updated_at"] == data["updated_at"]


def test_a_pdf_script_is_read_for_its_lines(client: FlaskClient) -> None:
    lines = ["First line of the PDF.", "Second line (with parentheses)."]
    data = uploaded(client, pdf_body(lines), "script.pdf")
    assert data["content_type"] == "application/pdf" and data["line_count"] == 2
    assert data["char_count"] == sum(len(x) for x in lines)


def test_a_workflow_naming_the_upload_speaks_its_lines(client: FlaskClient) -> None:
    data = uploaded(client)
    workflow = ok(client.get(f"/api/v1/workflows/{data['context_id']}", headers=KEY))
    definition = copy.deepcopy(workflow["definition"])
    source = next(n for n in definition["graph"]["nodes"] if n["type"] == "source_script")
    source["config"]["upload_id"] = data["id"]
    ok(client.patch(f"/api/v1/workflows/{workflow['id']}", headers=KEY,
                    json={"definition": definition}))
    run = ok(client.post(f"/api/v1/workflows/{workflow['id']}/runs", headers=KEY, json={}), 202)
    assert client.post(f"/__mock/runs/{run['id']}/force",
                       json={"status": "completed"}).status_code == 200
    rows = ok(client.get(f"/api/v1/workflows/{workflow['id']}/runs/{run['id']}/data?limit=100",
                         headers=KEY))["rows"]
    assert [r["script"] for r in rows] == ["Welcome aboard.", "Please fasten your seat belt.",
                                            "Merci beaucoup, à bientôt."]


@pytest.mark.parametrize("filename, category", [("notes", "script"), ("a.docx", "script"),
                                                ("voice.txt", "dictionary"),
                                                ("take.mp3", "script")])
def test_unknown_or_wrong_type_names_are_422(client: FlaskClient, filename: str,
                                             category: str) -> None:
    body = assert_error(client.post(UPLOADS, json={"filename": filename, "category": category},
                                    headers=KEY), 422, "VALIDATION_ERROR")
    assert body["error"]["details"][0]["field"] == "filename"


@pytest.mark.parametrize("content, fmt, status, words", [
    (b"", "txt", 422, "empty"), (b"\x00\x01\x02", "txt", 422, "binary"),
    (b"\xff\xfe\xfa", "txt", 422, "UTF-8"), (b"hello", "pdf", 422, "not a PDF"),
    (b"not audio at all", "wav", 422, "not wav"), (WAV, "mp3", 422, "wav audio, not mp3")])
def test_bad_files_are_refused_and_nothing_is_kept(client: FlaskClient, content: bytes,
                                                   fmt: str, status: int, words: str) -> None:
    category = "script" if fmt in ("txt", "pdf") else "dictionary"
    created = create(client, f"file.{fmt}", category)
    body = assert_error(put(client, created, content), status, "VALIDATION_ERROR")
    assert words in body["error"]["message"]
    assert_error(confirm(client, created["upload"]["id"], first_workflow(client)), 409,
                 "CONFLICT")


def test_a_dictionary_upload_takes_audio_and_has_no_counts(client: FlaskClient) -> None:
    workflow = first_workflow(client)
    created = create(client, "acme.wav", "dictionary")
    assert put(client, created, WAV, "audio/wav").status_code == 200
    data = ok(confirm(client, created["upload"]["id"], workflow))
    assert data["char_count"] is None and data["line_count"] is None
    assert data["size_bytes"] == len(WAV)
    state = mock_of(client.application).world
    assert confirmed_upload(state, ACME, data["id"], "dictionary") is not None
    assert confirmed_upload(state, ACME, data["id"], "script") is None
    pending = create(client, "other.wav", "dictionary")["upload"]["id"]
    assert confirmed_upload(state, ACME, pending, "dictionary") is None


def test_roles_ownership_and_contexts(client: FlaskClient) -> None:
    workflow = first_workflow(client)
    created = create(client, headers=session(VERA, ACME))  # any member may start one
    upload_id = created["upload"]["id"]
    assert put(client, created, SCRIPT.encode()).status_code == 200
    assert_error(confirm(client, upload_id, workflow, session(VERA, ACME)), 403, "FORBIDDEN")
    assert_error(client.post(f"{UPLOADS}/{upload_id}", headers=KEY,
                             json={"context_type": "playground", "context_id": ACME}),
                 403, "FORBIDDEN")
    assert_error(confirm(client, upload_id, "00000000-0000-0000-0000-000000000009"), 404,
                 "NOT_FOUND")
    ok(confirm(client, upload_id, workflow, session(ELI, ACME)))
    # Only the member who created it may delete it.
    assert_error(client.delete(f"{UPLOADS}/{upload_id}", headers=session(ELI, ACME)), 404,
                 "NOT_FOUND")
    assert upload_id in listed(client, workflow)
    ok(client.delete(f"{UPLOADS}/{upload_id}", headers=session(VERA, ACME)))
    assert upload_id not in listed(client, workflow)
    assert_error(client.delete(f"{UPLOADS}/{upload_id}", headers=session(VERA, ACME)), 404,
                 "NOT_FOUND")


def test_pending_upload_can_be_deleted_and_its_link_then_refuses(client: FlaskClient) -> None:
    created = create(client)
    ok(client.delete(f"{UPLOADS}/{created['upload']['id']}", headers=KEY))
    assert_error(put(client, created, SCRIPT.encode()), 404, "NOT_FOUND")


def test_upload_url_expires_on_the_mock_clock(client: FlaskClient) -> None:
    created = create(client)
    client.post("/__mock/clock", json={"advance_seconds": 3600})
    assert_error(put(client, created, SCRIPT.encode()), 403, "FORBIDDEN")


def test_a_confirmed_upload_cannot_be_overwritten(client: FlaskClient) -> None:
    created = create(client)
    assert put(client, created, SCRIPT.encode()).status_code == 200
    ok(confirm(client, created["upload"]["id"], first_workflow(client)))
    assert_error(put(client, created, b"other text"), 409, "CONFLICT")


QUOTA_FIXTURES = """
workspaces:
  - {id: 11111111-1111-4111-8111-111111111111, name: Tiny, slug: tiny,
     workflow_count: 2, storage_quota_bytes: 100}
users:
  - {id: 22222222-2222-4222-8222-222222222222, name: Tess, email: tess@tiny.example}
memberships:
  - {workspace: 11111111-1111-4111-8111-111111111111,
     user: 22222222-2222-4222-8222-222222222222, role: admin}
api_keys:
  - id: 33333333-3333-4333-8333-333333333333
    name: Tiny key
    key: op_live_tinyWorkspaceKeyForQuotaTests001
    workspace: 11111111-1111-4111-8111-111111111111
    user: 22222222-2222-4222-8222-222222222222
    scopes: [workflows:read, uploads:write]
"""
TINY = {"Authorization": "Bearer op_live_tinyWorkspaceKeyForQuotaTests001"}


@pytest.fixture
def tiny(tmp_path: Path) -> FlaskClient:
    path = tmp_path / "tiny.yaml"
    path.write_text(QUOTA_FIXTURES)
    app: Flask = create_app(make_settings(fixtures_path=path, max_upload_bytes=80))
    app.testing = True
    return app.test_client()


def test_storage_quota_is_checked_at_confirm_and_freed_by_delete(tiny: FlaskClient) -> None:
    workflow = str(ok(tiny.get("/api/v1/workflows?limit=1", headers=TINY))[0]["id"])
    first, second = create(tiny, headers=TINY), create(tiny, headers=TINY)
    assert put(tiny, first, b"a" * 60).status_code == 200
    assert put(tiny, second, b"b" * 60).status_code == 413  # staging is bounded by the quota
    ok(confirm(tiny, first["upload"]["id"], workflow, TINY))
    assert put(tiny, second, b"b" * 60).status_code == 200
    body = assert_error(confirm(tiny, second["upload"]["id"], workflow, TINY), 402,
                        "STORAGE_QUOTA_EXCEEDED")
    assert "100" in body["error"]["message"]
    assert second["upload"]["id"] not in listed_with(tiny, workflow)  # still pending
    ok(tiny.delete(f"{UPLOADS}/{first['upload']['id']}", headers=TINY))
    ok(confirm(tiny, second["upload"]["id"], workflow, TINY))
    too_big = create(tiny, headers=TINY)
    body = assert_error(put(tiny, too_big, b"c" * 81), 413, "PAYLOAD_TOO_LARGE")
    assert "80" in body["error"]["message"]


def listed_with(client: FlaskClient, workflow_id: str) -> list[str]:
    rows = ok(client.get(f"/api/v1/workflows/{workflow_id}/uploads", headers=TINY))
    return [row["id"] for row in rows]


def test_uploaded_bytes_survive_a_restart_with_a_durable_state(tmp_path: Path) -> None:
    settings = make_settings(state_url=f"sqlite:///{tmp_path / 'state.db'}")
    first = create_app(settings)
    first.testing = True
    data = uploaded(first.test_client(), b"Line one.\nLine two.\n")
    second = create_app(settings)
    second.testing = True
    client = second.test_client()
    rows = ok(client.get(f"/api/v1/workflows/{data['context_id']}/uploads?limit=100",
                         headers=KEY))
    row = next(r for r in rows if r["id"] == data["id"])
    assert row["size_bytes"] == data["size_bytes"] and row["line_count"] == 2
    assert client.get(row["download_url"].replace("http://localhost", "")).data == \
        b"Line one.\nLine two.\n"


@pytest.mark.parametrize("sent, shown", [("folder\\sub/Script.PDF", "Script.PDF"),
                                         ("\u0093.txt", "upload.txt"),
                                         ("tab\there.txt", "tabhere.txt")])
def test_filenames_are_shown_sanitised(client: FlaskClient, sent: str, shown: str) -> None:
    assert create(client, sent)["upload"]["filename"] == shown
