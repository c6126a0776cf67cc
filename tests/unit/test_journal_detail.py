"""The request journal keeps what a frontend developer needs to debug a call: headers
and bodies (bounded, credentials masked), and only the API traffic."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import example, given, settings
from hypothesis import strategies as st
from support import KEY, make_settings, ok

from mockserver.app import create_app
from mockserver.recording.capture import BODY_LIMIT, NON_ASCII_LOOKALIKES, captured_body
from mockserver.wire import encoded_envelope

WORKFLOWS = "/api/v1/workflows"


@pytest.fixture(scope="module")
def client() -> Iterator[FlaskClient]:
    with create_app(make_settings()).test_client() as test_client:
        yield test_client


@pytest.fixture(autouse=True)
def empty_journal(client: FlaskClient) -> None:
    ok(client.delete("/__mock/requests"))


def entries(client: FlaskClient, query: str = "") -> list[dict[str, Any]]:
    return list(ok(client.get(f"/__mock/requests?{query}")))


def test_an_entry_has_headers_and_bodies(client: FlaskClient) -> None:
    """A create call is journaled with its JSON body, the answer and both header sets."""
    created = client.post(WORKFLOWS, json={"name": "Journal me"},
                          headers={**KEY, "traceparent": "00-abc-def-01"})
    assert created.status_code == 201
    [entry] = entries(client)
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", WORKFLOWS, 201)
    assert entry["operation_id"] == "create_workflow"
    assert json.loads(entry["request_body"]) == {"name": "Journal me"}
    assert json.loads(entry["response_body"])["data"]["name"] == "Journal me"
    assert entry["request_headers"]["Traceparent"] == "00-abc-def-01"
    assert entry["response_headers"]["Content-Type"] == "application/json"
    assert "X-OnePin-Required-Version" in entry["response_headers"]


def test_credentials_are_masked(client: FlaskClient) -> None:
    """The key keeps a short prefix to tell keys apart; admin and proxy secrets vanish."""
    client.get(WORKFLOWS, headers={**KEY, "Proxy-Authorization": "Basic c2VjcmV0",
                                   "X-Mock-Admin-Token": "hunter2"})
    [entry] = entries(client)
    headers = entry["request_headers"]
    assert headers["Authorization"].startswith("Bearer op_live_demo")
    assert "op_live_demoAllScopesKeyForOnepinMock001" not in json.dumps(entry)
    assert "hunter2" not in json.dumps(entry) and "c2VjcmV0" not in json.dumps(entry)


def test_secret_fields_in_json_bodies_are_masked(client: FlaskClient) -> None:
    """A body field named like a secret (password, token, api_key) is masked."""
    client.post(WORKFLOWS, json={"name": "x", "password": "p4ss", "nested": {"token": "t0k"}},
                headers=KEY)
    [entry] = entries(client)
    assert "p4ss" not in entry["request_body"] and "t0k" not in entry["request_body"]


def test_bodies_are_bounded(client: FlaskClient) -> None:
    """A huge body is cut to a bounded excerpt that says how much was left out."""
    client.post(WORKFLOWS, data="x" * (BODY_LIMIT + 500), content_type="text/plain",
                headers=KEY)
    [entry] = entries(client)
    assert len(entry["request_body"]) < BODY_LIMIT + 100
    assert entry["request_body"].endswith("(500 more characters)")


def test_preflights_pages_and_favicons_are_left_out(client: FlaskClient) -> None:
    """Browser noise (preflights, favicon) and the mock's own pages are not API traffic."""
    client.options(WORKFLOWS, headers={"Origin": "http://localhost:3000",
                                       "Access-Control-Request-Method": "GET"})
    for page in ("/favicon.ico", "/", "/docs", "/openapi.json", "/__mock/"):
        client.get(page)
    client.get(WORKFLOWS, headers=KEY)
    assert [(e["method"], e["path"]) for e in entries(client)] == [("GET", WORKFLOWS)]


def test_since_returns_only_newer_entries(client: FlaskClient) -> None:
    """A live view asks for entries after the last seq it has seen."""
    client.get("/api/v1/nodes")
    last = entries(client)[-1]["seq"]
    client.get(WORKFLOWS, headers=KEY)
    newer = entries(client, f"since={last}")
    assert [e["path"] for e in newer] == [WORKFLOWS]
    assert entries(client, f"since={newer[-1]['seq']}") == []


_KEYS = st.sampled_from(["token", "Access_Token", "token\n", "client_secret", "token_cost",
                         "name", "api_key", "PASSWORD", "secret_santa", "é", "ap\u0131_key",
                         "ap\u0130_key", "\u017fecret", "to\u212aen"])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS | st.text(), inner,
                                                                max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(_JSON)
@example({"Token\n": "t0k", "token_cost": 1})
@example([{"x": {"client_secret": "s"}}])
@example({"ap\u0131_key": "k", "\u017fecret": "s", "to\u212aen": "t"})
@example({"ap\u0130_key": "k"})
def test_a_body_the_mock_encoded_is_journaled_as_if_decoded_again(body: Any) -> None:
    """The shortcut for the mock's own compact JSON gives the same entry, secrets masked."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "surrogatepass")
    assert captured_body(data, "application/json", compact_json=True) == captured_body(
        data, "application/json")


def test_a_secret_field_in_a_response_body_is_masked() -> None:
    """An answer the mock encoded itself still has its secret-named fields masked."""
    body = json.dumps({"data": {"token": "t0k", "token_cost": 3}}, separators=(",", ":"))
    kept = captured_body(body.encode(), "application/json", compact_json=True)
    assert "t0k" not in kept and '"token_cost":3' in kept


def test_the_shortcut_knows_every_non_ascii_letter_a_secret_key_can_use() -> None:
    """re's IGNORECASE takes a few non-ASCII letters for ASCII ones; the shortcut, which
    lowers ASCII only, must send a body holding any of them the slow way."""
    letters = re.compile("[tokenapiyswrdc]", re.IGNORECASE)
    found = {chr(cp) for cp in range(128, sys.maxunicode + 1)
             if not 0xD800 <= cp <= 0xDFFF and letters.fullmatch(chr(cp))}
    assert {letter.encode() for letter in found} == set(NON_ASCII_LOOKALIKES)


@pytest.mark.parametrize("secret_at", [10, BODY_LIMIT - 200, BODY_LIMIT + 500])
def test_a_long_body_keeps_its_head_with_any_secret_there_masked(secret_at: int) -> None:
    """Only the kept head of a long answer is looked at for secrets: one inside it is
    masked, and the head reads as the slow path's wherever the secret is."""
    head = {"pad": "x" * secret_at}
    body = {**head, "token": "t0k-secret", "rest": "y" * BODY_LIMIT}
    data = json.dumps(body, separators=(",", ":")).encode()
    fast = captured_body(data, "application/json", compact_json=True)
    slow = captured_body(data, "application/json")
    assert "t0k-secret" not in fast
    assert fast.split("…")[0] == slow.split("…")[0]
    assert len(fast.split("…")[0]) == BODY_LIMIT


def _settled_run(client: FlaskClient) -> str:
    workflow = ok(client.get(f"{WORKFLOWS}?limit=1&status=completed", headers=KEY))[0]["id"]
    run = ok(client.get(f"{WORKFLOWS}/{workflow}/runs?status=completed", headers=KEY))[0]
    return f"{WORKFLOWS}/{workflow}/runs/{run['id']}"


@pytest.mark.parametrize("suffix", ["", "/data?limit=50"])
def test_a_page_sent_again_from_the_kept_pages_is_journaled_as_sent(
        client: FlaskClient, suffix: str) -> None:
    """A settled run's reads are sent from pages kept encoded, spliced into a new envelope;
    the journal holds the pieces, and its entry reads as the body sent (bounded)."""
    path = _settled_run(client) + suffix
    ok(client.delete("/__mock/requests"))
    sent = [client.get(path, headers=KEY).get_data(as_text=True) for _ in range(3)]
    assert len(set(sent)) == 3, "each answer has its own meta"
    kept = [e["response_body"] for e in entries(client)]
    expected = [body if len(body) <= BODY_LIMIT else
                f"{body[:BODY_LIMIT]}… ({len(body) - BODY_LIMIT} more characters)"
                for body in sent]
    assert kept == expected


def test_a_new_body_set_on_a_spliced_answer_is_the_one_journaled() -> None:
    response = encoded_envelope(b'{"id":"a"}', {"request_id": "r"}, None, 200)
    assert response.body_parts is not None
    assert b"".join(response.body_parts) == response.get_data()
    response.set_data(b'{"other":true}')
    assert response.body_parts is None
