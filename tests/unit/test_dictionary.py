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
