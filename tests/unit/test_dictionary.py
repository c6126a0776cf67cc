"""The pronunciation dictionary through HTTP: list, search, languages, writes, suggestions."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from support import (
    ACME,
    ELI,
    GLOBEX,
    GUS,
    KEY,
    READ_ONLY_KEY,
    VERA,
    assert_error,
    bearer,
    ok,
    session,
)

from mockserver.world.dataset.dictionary import suggest_pronunciation
from mockserver.world.service import dictionary as dictionary_commands

DICTIONARY = "/api/v1/dictionary"
IPA = "po\u028a\u02c8do\u028ano\u028as"  # with the primary stress mark
GLOBEX_AS = session(GUS, GLOBEX)


def entry(client: FlaskClient, headers: dict[str, str] = KEY, **fields: Any) -> Any:
    body = {"word": "Podonos", "method": "spelled", "language": "en-us",
            "pronunciation": "Poh-doh-nohs", **fields}
    return ok(client.post(DICTIONARY, json=body, headers=headers), 201)


def listing(client: FlaskClient, query: str, headers: dict[str, str] = KEY) -> Any:
    response = client.get(f"{DICTIONARY}{query}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_list_is_one_language_with_counted_pages(client: FlaskClient) -> None:
    languages = ok(client.get(f"{DICTIONARY}/languages", headers=KEY))
    assert languages and all(row["count"] >= 1 for row in languages)
    assert languages == sorted(languages, key=lambda row: (-row["count"], row["code"]))
    for row in languages:
        body = listing(client, f"?language={row['code']}&limit=1")
        assert body["pagination"]["total"] == row["count"]
        assert all(e["language"] == row["code"] for e in body["data"])
    assert sum(row["count"] for row in languages) == 12  # seeded per workspace


def test_list_orders_and_method_filter(client: FlaskClient) -> None:
    entry(client, word="Aardvark", pronunciation="ARD-vark")
    by_word = listing(client, "?language=en-us&sort=word&limit=50")["data"]
    words = [e["word"].casefold() for e in by_word]
    assert words == sorted(words) and words[0] == "aardvark"
    newest = listing(client, "?language=en-us&limit=50")["data"]  # created_at, newest first
    assert newest[0]["word"] == "Aardvark"
    stamps = [e["created_at"] for e in newest]
    assert stamps == sorted(stamps, reverse=True)
    spelled = listing(client, "?language=en-us&method=spelled")
    assert spelled["pagination"]["total"] == len(by_word)
    recorded = listing(client, "?language=en-us&method=recorded")
    assert recorded["pagination"]["total"] == 0 and recorded["data"] == []
    assert_error(client.get(f"{DICTIONARY}?language=en-us&limit=51", headers=KEY), 422,
                 "VALIDATION_ERROR")
    assert_error(client.get(DICTIONARY, headers=KEY), 422, "VALIDATION_ERROR")


def test_search_matches_words_across_languages(client: FlaskClient) -> None:
    entry(client, word="Podonos")
    entry(client, word="PODONOS Labs", language="de-de")
    entry(client, word="Other", language="fr-fr")
    both = listing(client, "/search?search=podon")
    assert both["pagination"]["total"] == 2
    assert {e["language"] for e in both["data"]} == {"en-us", "de-de"}
    one = listing(client, "/search?search=podon&language=de-de&language=ja-jp")
    assert [e["word"] for e in one["data"]] == ["PODONOS Labs"]
    assert one["pagination"]["total"] == 1


def test_create_stores_language_lower_case_and_api_key_entries_have_no_author(
        client: FlaskClient) -> None:
    made = entry(client, language="EN-US", ipa=IPA, description="Vendor")
    assert (made["language"], made["created_by"], made["uses_count"]) == ("en-us", None, 0)
    assert made["ipa"] == IPA and made["audio_url"] is None
    by_eli = entry(client, session(ELI, ACME), word="Eli's word")
    assert by_eli["created_by"] == ELI
    listed = listing(client, "/search?search=podonos")["data"]
    assert listed == [made]


def test_one_entry_per_word_and_language(client: FlaskClient) -> None:
    first = entry(client)
    before = ok(client.get("/__mock/events"))["events"]
    assert_error(client.post(DICTIONARY, json={"word": " podonos ", "method": "spelled",
                                               "language": "en-us", "pronunciation": "x"},
                             headers=KEY), 409, "CONFLICT")
    assert ok(client.get("/__mock/events"))["events"] == before
    other = entry(client, language="de-de")  # the same word in another language is fine
    assert_error(client.put(f"{DICTIONARY}/{other['id']}", json={"language": "en-us"},
                            headers=KEY), 409, "CONFLICT")
    # The same word in another workspace is fine too.
    entry(client, GLOBEX_AS)
    assert first["id"] != other["id"]


@pytest.mark.parametrize(("fields", "field"), [
    ({"pronunciation": None}, "pronunciation"),
    ({"pronunciation": "  "}, "pronunciation"),
    ({"method": "recorded", "pronunciation": None}, "upload_id"),
    ({"method": "recorded", "upload_id": "upl_123"}, "upload_id"),
    ({"language": "xx-yy"}, "language"),
    ({"ipa": "HELLO"}, "ipa"),
    ({"ipa": "poʊ1"}, "ipa"),
    ({"ipa": "   "}, "ipa"),
    ({"method": "ipa"}, "method"),
    ({"word": " "}, "word"),
])
def test_refused_entries_name_the_field(client: FlaskClient, fields: dict[str, Any],
                                        field: str) -> None:
    body = {"word": "Podonos", "method": "spelled", "language": "en-us",
            "pronunciation": "Poh-doh-nohs", **fields}
    error = assert_error(client.post(DICTIONARY, json=body, headers=KEY), 422,
                         "VALIDATION_ERROR")
    assert [d["field"] for d in error["error"]["details"]] == [field]


def test_update_is_partial_and_keeps_method_needs(client: FlaskClient) -> None:
    made = entry(client, ipa="poʊ", description="Vendor")
    path = f"{DICTIONARY}/{made['id']}"
    changed = ok(client.put(path, json={"word": "Podonos AI", "ipa": None}, headers=KEY))
    assert (changed["word"], changed["ipa"], changed["description"]) == (
        "Podonos AI", None, "Vendor")
    assert changed["pronunciation"] == made["pronunciation"]
    assert changed["created_at"] == made["created_at"]
    for body, field in (({"word": None}, "word"), ({"method": None}, "method"),
                        ({"language": None}, "language"),
                        ({"pronunciation": None}, "pronunciation"),
                        ({"method": "recorded"}, "upload_id")):
        error = assert_error(client.put(path, json=body, headers=KEY), 422, "VALIDATION_ERROR")
        assert [d["field"] for d in error["error"]["details"]] == [field]
    assert ok(client.get(f"{DICTIONARY}/search?search=podonos", headers=KEY)) == [changed]


def test_delete_then_404(client: FlaskClient) -> None:
    made = entry(client)
    assert ok(client.delete(f"{DICTIONARY}/{made['id']}", headers=KEY)) == {}
    assert_error(client.delete(f"{DICTIONARY}/{made['id']}", headers=KEY), 404, "NOT_FOUND")
    assert_error(client.put(f"{DICTIONARY}/{made['id']}", json={"word": "x"}, headers=KEY),
                 404, "NOT_FOUND")
    assert listing(client, "/search?search=podonos")["pagination"]["total"] == 0
    # Another workspace's entry is not found from here.
    theirs = entry(client, GLOBEX_AS)
    assert_error(client.delete(f"{DICTIONARY}/{theirs['id']}", headers=KEY), 404, "NOT_FOUND")


def test_auth(client: FlaskClient) -> None:
    assert_error(client.get(f"{DICTIONARY}/languages", headers=bearer(READ_ONLY_KEY)), 403,
                 "FORBIDDEN")
    assert_error(client.post(DICTIONARY, json={"word": "x", "method": "spelled",
                                               "language": "en-us", "pronunciation": "x"},
                             headers=session(VERA, ACME)), 403, "FORBIDDEN")
    ok(client.get(f"{DICTIONARY}/languages", headers=session(VERA, ACME)))
    assert_error(client.get(f"{DICTIONARY}/languages", headers=session(ELI)), 400,
                 "BAD_REQUEST")


def test_suggestions_are_deterministic_and_change_nothing(client: FlaskClient) -> None:
    before = ok(client.get("/__mock/events"))["events"]
    answers = [ok(client.post(f"{DICTIONARY}/suggest-pronunciation",
                              json={"word": "Podonos", "language": language}, headers=KEY))
               for language in ("en-us", "ko-kr", "en-us")]
    assert answers == [{"pronunciation": "POH-doh-nos", "ipa": None}] * 3
    assert ok(client.get("/__mock/events"))["events"] == before
    assert suggest_pronunciation("SQL") == "S-Q-L"
    assert suggest_pronunciation("Kubernetes") == "KOO-ber-neh-tes"
    assert suggest_pronunciation("hello world") == "HEL-loh WORLD"


def test_entries_are_bounded_and_reset_with_the_workspace(
        client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dictionary_commands, "MAX_ENTRIES_PER_WORKSPACE", 13)  # 12 seeded
    made = entry(client)
    assert_error(client.post(DICTIONARY, json={"word": "One more", "method": "spelled",
                                               "language": "en-us", "pronunciation": "x"},
                             headers=KEY), 409, "CONFLICT")
    ok(client.post("/__mock/reset", json={"workspace_id": ACME}))
    assert_error(client.delete(f"{DICTIONARY}/{made['id']}", headers=KEY), 404, "NOT_FOUND")
    assert sum(r["count"] for r in ok(client.get(f"{DICTIONARY}/languages", headers=KEY))) == 12


# -- recorded entries: a confirmed upload of category dictionary ---------------------------

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28)
UPLOADS = "/api/v1/uploads"


def dictionary_upload(client: FlaskClient, filename: str = "podonos.wav",
                      category: str = "dictionary", content: bytes = WAV,
                      headers: dict[str, str] = KEY, confirm: bool = True) -> str:
    """An upload made, filled and (unless told) confirmed as a client would: POST, PUT,
    confirm against one of the caller's workflows."""
    made = ok(client.post(UPLOADS, json={"filename": filename, "category": category},
                          headers=headers), 201)
    put = client.put(made["upload_url"].replace("http://localhost", ""), data=content,
                     headers={"Content-Type": made["upload"]["content_type"]})
    assert put.status_code == 200, put.get_data(as_text=True)
    if confirm:
        workflow = ok(client.get("/api/v1/workflows?limit=1", headers=headers))[0]["id"]
        ok(client.post(f"{UPLOADS}/{made['upload']['id']}", headers=headers,
                       json={"context_type": "workflow", "context_id": workflow}))
    return str(made["upload"]["id"])


def recorded(upload_id: str, word: str = "Podonos") -> dict[str, Any]:
    return {"word": word, "method": "recorded", "language": "en-us", "upload_id": upload_id}


def test_a_recorded_entry_takes_a_confirmed_dictionary_upload(client: FlaskClient) -> None:
    upload_id = dictionary_upload(client)
    made = entry(client, method="recorded", pronunciation=None, upload_id=upload_id)
    assert (made["method"], made["pronunciation"]) == ("recorded", None)
    clip = client.get(made["audio_url"].replace("http://localhost", ""))
    assert clip.status_code == 200 and clip.data == WAV
    listed = listing(client, "?language=en-us&method=recorded")
    assert listed["pagination"]["total"] == 1
    assert [row["id"] for row in listed["data"]] == [made["id"]]
    assert listed["data"][0]["audio_url"]
    # The upload is taken: a second entry cannot have it, and nothing is recorded.
    before = ok(client.get("/__mock/events"))["events"]
    assert_error(client.post(DICTIONARY, json=recorded(upload_id, "Another"), headers=KEY),
                 409, "CONFLICT")
    other = entry(client, word="Another")
    assert_error(client.put(f"{DICTIONARY}/{other['id']}", headers=KEY, json={
        "method": "recorded", "upload_id": upload_id}), 409, "CONFLICT")
    assert len(ok(client.get("/__mock/events"))["events"]) == len(before) + 1
    # Back to spelled: the clip goes, and the upload is free for another entry.
    spelled = ok(client.put(f"{DICTIONARY}/{made['id']}",
                            json={"method": "spelled", "pronunciation": "Poh-doh-nohs"},
                            headers=KEY))
    assert spelled["audio_url"] is None and spelled["method"] == "spelled"
    moved = ok(client.put(f"{DICTIONARY}/{other['id']}", headers=KEY, json={
        "method": "recorded", "upload_id": upload_id.upper()}))
    assert moved["audio_url"] and moved["pronunciation"] == other["pronunciation"]


def test_deleting_a_recorded_entry_frees_its_upload(client: FlaskClient) -> None:
    upload_id = dictionary_upload(client)
    made = ok(client.post(DICTIONARY, json=recorded(upload_id), headers=KEY), 201)
    ok(client.delete(f"{DICTIONARY}/{made['id']}", headers=KEY))
    again = ok(client.post(DICTIONARY, json=recorded(upload_id, "Again"), headers=KEY), 201)
    assert again["audio_url"]
    # A spelled entry takes no clip, even when sent one.
    spelled = entry(client, word="Spelled", upload_id=dictionary_upload(client, "b.wav"))
    assert spelled["audio_url"] is None
    # The upload deleted: the entry stays, its link goes.
    ok(client.delete(f"{UPLOADS}/{upload_id}", headers=KEY))
    assert listing(client, "/search?search=again")["data"][0]["audio_url"] is None


@pytest.mark.parametrize("kind", ["script upload", "pending upload", "unknown id",
                                  "other workspace"])
def test_a_recorded_entry_refuses_anything_but_a_confirmed_dictionary_upload(
        client: FlaskClient, kind: str) -> None:
    if kind == "script upload":
        upload_id = dictionary_upload(client, "lines.txt", "script", b"Hello there.\n")
    elif kind == "pending upload":
        upload_id = dictionary_upload(client, confirm=False)
    elif kind == "other workspace":
        upload_id = dictionary_upload(client, headers=GLOBEX_AS)
    else:
        upload_id = "00000000-0000-4000-8000-000000000000"
    spelled = entry(client)
    before = ok(client.get("/__mock/events"))["events"]
    error = assert_error(client.post(DICTIONARY, json=recorded(upload_id, "Other"),
                                     headers=KEY), 422, "VALIDATION_ERROR")
    assert [d["field"] for d in error["error"]["details"]] == ["upload_id"]
    error = assert_error(client.put(f"{DICTIONARY}/{spelled['id']}", headers=KEY, json={
        "method": "recorded", "upload_id": upload_id}), 422, "VALIDATION_ERROR")
    assert [d["field"] for d in error["error"]["details"]] == ["upload_id"]
    assert ok(client.get("/__mock/events"))["events"] == before
