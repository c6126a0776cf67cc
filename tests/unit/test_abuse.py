"""Hostile and careless input, table-driven: every case gets its documented 4xx in the error
envelope (never a 500), a short error body, and leaves the workspace as it was.

Each row is one input from the hardening issues: bodies that are too big, too deep, not
I-JSON, only whitespace or not Unicode (lone or CESU-8 surrogates), integers with thousands
of digits or non-ASCII digits, loose media types, node config the catalog forbids, forged
download links, override headers that try to force what they must not (a 2xx `Prefer`
code, empty or non-ASCII values), and paths with double slashes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import jwt
import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import ACME, ADA, FROZEN_AT, KEY, assert_error, ok

from mockserver.app import mock_of
from mockserver.settings import Settings
from mockserver.world.state.links import FILES_PREFIX

WORKFLOWS = "/api/v1/workflows"
JSON = "application/json"
# An error body quotes at most a short excerpt of what was sent.
MAX_ERROR_BYTES = 2048


def _node(config: dict[str, Any], node_type: str = "validator_error_rate") -> dict[str, Any]:
    return {"id": "v", "type": node_type, "position": {"x": 0, "y": 0}, "config": config}


def _with_node(config: dict[str, Any], node_type: str = "validator_error_rate") -> str:
    return json.dumps({"name": "x", "definition": {
        "graph": {"nodes": [_node(config, node_type)], "edges": []}}})


def _nodes(count: int) -> str:
    nodes = [{"id": f"n{i}", "type": "operator_normalizer", "position": {"x": 0, "y": 0}}
             for i in range(count)]
    return json.dumps({"name": "x", "definition": {"graph": {"nodes": nodes, "edges": []}}})


def _not_before(instant: datetime) -> str:
    """A session token of the mock's own secret, valid for a day from ``instant``."""
    start = int(instant.timestamp())
    return jwt.encode({"sub": ADA, "iss": "onepin-mock", "iat": start, "nbf": start,
                       "exp": start + 86400}, Settings().jwt_secret, algorithm="HS256")


@dataclass(frozen=True)
class Abuse:
    id: str
    method: str
    path: str
    status: int
    code: str
    body: str | bytes | None = None
    content_type: str | None = JSON
    headers: dict[str, str] = field(default_factory=lambda: dict(KEY))
    field: str | None = None  # the details[].field the answer must name


ABUSES = [
    # -- size and shape of bodies ---------------------------------------------------------
    Abuse("10mb-description", "POST", WORKFLOWS, 413, "PAYLOAD_TOO_LARGE",
          json.dumps({"name": "x", "description": "a" * 10_000_000})),
    Abuse("nested-1000-deep", "POST", WORKFLOWS, 422, "VALIDATION_ERROR",
          '{"name": "x", "definition": ' + "[" * 1000 + "]" * 1000 + "}", field="body"),
    Abuse("nested-100-deep-object", "POST", WORKFLOWS, 422, "VALIDATION_ERROR",
          '{"name": "x", "definition": ' + '{"a": ' * 100 + "1" + "}" * 100 + "}",
          field="body"),
    Abuse("graph-of-20000-nodes", "POST", WORKFLOWS, 422, "VALIDATION_ERROR", _nodes(20_000),
          field="body"),
    Abuse("graph-over-node-limit", "POST", WORKFLOWS, 422, "VALIDATION_ERROR", _nodes(501),
          field="definition.graph.nodes"),
    # -- numbers JSON cannot carry back -------------------------------------------------------
    *[Abuse(f"body-{name}", "POST", WORKFLOWS, 422, "VALIDATION_ERROR",
            '{"name": "x", "definition": {"graph": {"nodes": [{"id": "a", "type": '
            '"operator_normalizer", "position": {"x": ' + literal + ', "y": 0}}]}}}',
            field="body")
      for name, literal in [("nan", "NaN"), ("infinity", "Infinity"),
                            ("minus-infinity", "-Infinity"), ("1e999", "1e999"),
                            ("41-digits", "1" + "0" * 40), ("minus-41-digits", "-" + "9" * 41),
                            ("5000-digits", "9" * 5000)]],
    Abuse("clock-nan", "POST", "/__mock/clock", 422, "VALIDATION_ERROR",
          '{"advance_seconds": NaN}', headers={}, field="body"),
    Abuse("clock-1e999", "POST", "/__mock/clock", 422, "VALIDATION_ERROR",
          '{"advance_seconds": 1e999}', headers={}, field="body"),
    # -- integer parameters -------------------------------------------------------------------
    Abuse("limit-5000-digits", "GET", f"{WORKFLOWS}?limit={'9' * 5000}", 422,
          "VALIDATION_ERROR", field="limit"),
    Abuse("offset-5000-digits", "GET", f"{WORKFLOWS}?offset={'9' * 5000}", 422,
          "VALIDATION_ERROR", field="offset"),
    Abuse("limit-fullwidth-digit", "GET", f"{WORKFLOWS}?limit=%EF%BC%95", 422,
          "VALIDATION_ERROR", field="limit"),
    Abuse("limit-arabic-indic-digit", "GET", f"{WORKFLOWS}?limit=%D9%A5", 422,
          "VALIDATION_ERROR", field="limit"),
    Abuse("journal-status-fullwidth", "GET",
          "/__mock/requests?status=%EF%BC%92%EF%BC%90%EF%BC%90", 422, "VALIDATION_ERROR",
          headers={}, field="status"),
    # -- media types ----------------------------------------------------------------------------
    Abuse("content-type-text-jsonish", "POST", WORKFLOWS, 422, "VALIDATION_ERROR",
          '{"name": "x"}', content_type="text/jsonnot", field="body"),
    Abuse("content-type-jsonp", "POST", WORKFLOWS, 422, "VALIDATION_ERROR",
          '{"name": "x"}', content_type="application/jsonp", field="body"),
    Abuse("content-type-plain", "POST", WORKFLOWS, 422, "VALIDATION_ERROR",
          '{"name": "x"}', content_type="text/plain", field="body"),
    # -- node config against the catalog ----------------------------------------------------------
    Abuse("max-retries-50000", "POST", WORKFLOWS, 422, "VALIDATION_ERROR",
          _with_node({"max_retries": 50000, "threshold": 90}),
          field="definition.graph.nodes[0].config.max_retries"),
    Abuse("max-retries-abc", "POST", WORKFLOWS, 422, "VALIDATION_ERROR",
          _with_node({"max_retries": "abc"}),
          field="definition.graph.nodes[0].config.max_retries"),
    Abuse("threshold-1000", "POST", WORKFLOWS, 422, "VALIDATION_ERROR",
          _with_node({"threshold": 1000}), field="definition.graph.nodes[0].config.threshold"),
    Abuse("script-over-200000-chars", "POST", WORKFLOWS, 422, "VALIDATION_ERROR",
          _with_node({"text": "a\n" * 100_001}, "source_script"),
          field="definition.graph.nodes[0].config.text"),
    Abuse("translator-unknown-locale", "POST", WORKFLOWS, 422, "VALIDATION_ERROR",
          _with_node({"target_languages": ["xx-yy"]}, "operator_translator"),
          field="definition.graph.nodes[0].config.target_languages[0]"),
    # -- override headers -----------------------------------------------------------------------
    Abuse("fault-status-101", "GET", WORKFLOWS, 422, "VALIDATION_ERROR",
          headers={**KEY, "X-Mock-Fault": "status=101"}, field="X-Mock-Fault"),
    Abuse("fault-status-200", "GET", WORKFLOWS, 422, "VALIDATION_ERROR",
          headers={**KEY, "X-Mock-Fault": "status=200"}, field="X-Mock-Fault"),
    Abuse("fault-status-200-without-auth", "GET", WORKFLOWS, 401, "INVALID_API_KEY",
          headers={"X-Mock-Fault": "status=200"}),
    Abuse("prefer-code-superscript", "GET", WORKFLOWS, 422, "VALIDATION_ERROR",
          headers={**KEY, "Prefer": "code=\u00b2"}, field="Prefer"),
    *[Abuse(f"prefer-code-{code}", "GET", WORKFLOWS, 422, "VALIDATION_ERROR",
            headers={**KEY, "Prefer": f"code={code}"}, field="Prefer")
      for code in (100, 200, 204, 301, 399)],
    # What granian hands the app for a header value with non-ASCII bytes (fullwidth digits
    # in `code=404`): an empty string. Refused like garbage, never ignored.
    *[Abuse(f"empty-{name.lower()}", "GET", WORKFLOWS, 422, "VALIDATION_ERROR",
            headers={**KEY, name: ""}, field=name)
      for name in ("Prefer", "X-Mock-Fault", "X-Mock-Delay")],
    *[Abuse(f"latin1-{name.lower()}", "GET", WORKFLOWS, 422, "VALIDATION_ERROR",
            headers={**KEY, name: value}, field=name)
      for name, value in (("Prefer", "example=caf\u00e9"), ("X-Mock-Fault", "drop\u00a0"),
                          ("X-Mock-Delay", "5\u00b5s"))],
    # -- text that is not Unicode -----------------------------------------------------------------
    Abuse("body-only-whitespace", "POST", WORKFLOWS, 422, "VALIDATION_ERROR", " \n\t\r ",
          field="body"),
    Abuse("body-lone-high-surrogate", "POST", WORKFLOWS, 422, "VALIDATION_ERROR",
          '{"name": "\\ud800"}', field="body"),
    Abuse("body-lone-low-surrogate-in-a-key", "POST", WORKFLOWS, 422, "VALIDATION_ERROR",
          '{"name": "x", "definition": {"\\udc00": 1}}', field="body"),
    Abuse("body-reversed-surrogate-pair", "POST", WORKFLOWS, 422, "VALIDATION_ERROR",
          '{"name": "\\ude00\\ud83d"}', field="body"),
    Abuse("body-cesu-8-surrogate", "POST", WORKFLOWS, 422, "VALIDATION_ERROR",
          b'{"name": "\xed\xa0\x80"}', field="body"),
    Abuse("body-cesu-8-pair", "POST", WORKFLOWS, 422, "VALIDATION_ERROR",
          b'{"name": "\xed\xa0\xbd\xed\xb8\x80"}', field="body"),
    # -- DNS rebinding: a page on a name pointed at 127.0.0.1 (same origin to the mock) -----------
    Abuse("rebound-reset", "POST", "/__mock/reset", 421, "MISDIRECTED_REQUEST", "{}",
          headers={"Host": "attacker.example:8080", "Origin": "http://attacker.example:8080"}),
    Abuse("rebound-state-read", "GET", "/__mock/state", 421, "MISDIRECTED_REQUEST",
          headers={"Host": "attacker.example:8080"}),
    Abuse("rebound-api-write", "POST", WORKFLOWS, 421, "MISDIRECTED_REQUEST", '{"name": "x"}',
          headers={**KEY, "Host": "attacker.example"}),
    # -- session tokens judged by the mock's clock --------------------------------------------
    Abuse("session-not-valid-for-two-hours", "GET", WORKFLOWS, 401, "INVALID_API_KEY",
          headers={"Authorization": "Bearer " + _not_before(FROZEN_AT + timedelta(hours=2)),
                   "X-Workspace-Id": ACME}),
    # -- who am I ------------------------------------------------------------------------------
    Abuse("whoami-garbage-workspace", "GET", "/api/v1/auth/whoami", 403, "FORBIDDEN",
          headers={**KEY, "X-Workspace-Id": "garbage"}),
]


def _send(client: FlaskClient, abuse: Abuse) -> Any:
    headers = dict(abuse.headers)
    if abuse.body is not None and abuse.content_type:
        headers["Content-Type"] = abuse.content_type
    return client.open(abuse.path, method=abuse.method, data=abuse.body, headers=headers)


def _snapshot(app: Flask) -> list[tuple[str, str, int]]:
    state = mock_of(app).world.workspace(ACME)
    with state.lock:
        return sorted((w.id, w.updated_at.isoformat(), len(state.runs_of(w.id)))
                      for w in state.workflows.values())


@pytest.mark.parametrize("abuse", ABUSES, ids=[a.id for a in ABUSES])
def test_abusive_input_gets_its_error_and_changes_nothing(app: Flask, client: FlaskClient,
                                                          abuse: Abuse) -> None:
    before = _snapshot(app)
    response = _send(client, abuse)
    body = assert_error(response, abuse.status, abuse.code)
    assert len(response.get_data()) <= MAX_ERROR_BYTES
    if abuse.field is not None:
        assert abuse.field in [d["field"] for d in body["error"]["details"]]
    assert _snapshot(app) == before


@pytest.mark.parametrize("code", ["200", "202", "302"])
def test_prefer_code_below_400_never_starts_a_run(app: Flask, client: FlaskClient,
                                                  code: str) -> None:
    """`Prefer: code=202` on a start used to start a real run; it is refused (422) and the
    workflow has no run, as `Prefer: code=409` leaves it."""
    rows = ok(client.get(f"{WORKFLOWS}?limit=100", headers=KEY))
    done = next(w for w in rows if w.get("last_run_status") == "completed")
    fresh = ok(client.post(f"{WORKFLOWS}/{done['id']}/duplicate", headers=KEY), 201)["id"]
    before = _snapshot(app)
    response = client.post(f"{WORKFLOWS}/{fresh}/runs", headers={**KEY, "Prefer": f"code={code}"})
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert body["error"]["details"][0]["field"] == "Prefer"
    assert_error(client.post(f"{WORKFLOWS}/{fresh}/runs", headers={**KEY, "Prefer": "code=409"}),
                 409, "CONFLICT")
    assert _snapshot(app) == before
    assert ok(client.get(f"{WORKFLOWS}/{fresh}/runs", headers=KEY)) == []


def test_whitespace_and_unicode_that_json_allows_still_work(client: FlaskClient) -> None:
    """An empty body is still no body; escaped pairs, astral characters, a UTF-8 BOM and
    whitespace around a document are fine."""
    assert ok(client.post(WORKFLOWS, data=b"", headers={**KEY, "Content-Type": JSON}), 201)
    for raw, name in ((b'{"name": "\\ud83d\\ude00"}', "\U0001f600"),
                      ('{"name": "\u00e9\U0001f600"}'.encode(), "\u00e9\U0001f600"),
                      (b'\xef\xbb\xbf{"name": "bom"}', "bom"),
                      (b'\n {"name": "spaced"} \n', "spaced")):
        response = client.post(WORKFLOWS, data=raw, headers={**KEY, "Content-Type": JSON})
        assert ok(response, 201)["name"] == name


@pytest.mark.parametrize("path", ["/api/v1//workflows", "//api/v1/workflows",
                                  "/api/v1/workflows//", "//__mock/health", "//docs",
                                  "/api//v1/auth/whoami"])
def test_a_path_is_matched_as_sent(client: FlaskClient, path: str) -> None:
    """No 308 with an HTML body, no double-slash alias: a 404 in the envelope."""
    response = client.get("/", headers=KEY, environ_overrides={"PATH_INFO": path})
    assert_error(response, 404, "NOT_FOUND")
    assert "Location" not in response.headers


def test_a_long_value_is_never_echoed_back(client: FlaskClient) -> None:
    """A 100 kB name is refused naming the field, in a short answer (at most an excerpt)."""
    response = client.post(WORKFLOWS, json={"name": "n" * 100_000}, headers=KEY)
    body = assert_error(response, 422, "VALIDATION_ERROR")
    detail = body["error"]["details"][0]
    assert detail["field"] == "name"
    assert "n" * 100 not in detail["message"]
    assert len(detail["message"]) < 200
    assert len(response.get_data()) < 2048


def test_plus_json_media_types_are_json(client: FlaskClient) -> None:
    """`application/<anything>+json` is JSON; parameters after `;` are fine."""
    for media in ("application/vnd.onepin+json", "application/json; charset=utf-8"):
        response = client.post(WORKFLOWS, data='{"name": "typed"}', headers={
            **KEY, "Content-Type": media})
        assert ok(response, 201)["name"] == "typed"


def test_forty_digit_integers_are_kept_exactly(client: FlaskClient) -> None:
    """Up to 40 digits (any 128-bit value) an integer is stored and echoed as sent."""
    body = '{"name": "x", "definition": {"graph": {"nodes": [{"id": "a", "type": ' \
           '"operator_normalizer", "position": {"x": ' + "9" * 40 + ', "y": -1.5e300}}]}}}'
    response = client.post(WORKFLOWS, data=body, headers={**KEY, "Content-Type": JSON})
    assert ok(response, 201)["definition"]["graph"]["nodes"][0]["position"]["x"] == 10**40 - 1


# -- regressions that answered 500 ---------------------------------------------------------------


def _created(client: FlaskClient, definition: Any) -> str:
    workflow_id: str = ok(client.post(WORKFLOWS, json={"name": "n", "definition": definition},
                                      headers=KEY), 201)["id"]
    return workflow_id


@pytest.mark.parametrize("action", ["estimate", "runs/preview", "runs"])
@pytest.mark.parametrize("definition", [{"graph": None}, {"graph": None, "execution": None}])
def test_overrides_on_a_workflow_saved_with_a_null_graph(client: FlaskClient, action: str,
                                                         definition: Any) -> None:
    """script_text needs a source node; a saved `"graph": null` has none: 422, not 500
    (a run start names the missing source node first)."""
    workflow_id = _created(client, definition)
    response = client.post(f"{WORKFLOWS}/{workflow_id}/{action}",
                           json={"script_text": "Hello there"}, headers=KEY)
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert body["error"]["details"][0]["field"] in ("script_text", "definition.graph.nodes")


def _forged_link(app: Flask, **claims: Any) -> str:
    """A link signed with the app's own secret but claims nobody issued."""
    serializer = mock_of(app).world.links._serializer
    return FILES_PREFIX + serializer.dumps(claims)


@pytest.mark.parametrize("exp", [10**30, -(10**30), 2**63])
def test_a_signed_link_with_an_absurd_expiry_is_refused(app: Flask, client: FlaskClient,
                                                         exp: int) -> None:
    """Far-future and far-past `exp` claims are judged as numbers, never overflow a date."""
    url = _forged_link(app, kind="upload", ws=ACME, upload="nope", exp=exp)
    response = client.get(url)
    if exp > 0:
        # Unexpired but pointing at nothing: still refused, with the envelope.
        assert response.status_code in (403, 404)
        assert response.get_json()["error"]["code"] in ("FORBIDDEN", "NOT_FOUND")
    else:
        assert_error(response, 403, "FORBIDDEN")


FIXTURE_ABUSES: list[tuple[str, str, Callable[[str], bool]]] = [
    ("deep-yaml", "workspaces: " + "[" * 2000 + "]" * 2000, lambda m: "nested" in m),
    ("nan-yaml", "workspaces: [{id: 11111111-1111-4111-8111-111111111111, name: .nan}]",
     lambda m: "finite" in m),
    ("alias-loop", "workspaces: &x [*x]", lambda m: "nest" in m or "at most" in m),
    ("alias-bomb", "a: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n"
        for i in range(6)), lambda m: "at most" in m),
    ("max-retries-in-fixture", """
workflows:
  - workspace: 6ec9a28f-de78-58e7-8616-48891f256dec
    definition:
      graph:
        nodes: [{id: v, type: validator_error_rate, position: {x: 0, y: 0},
                 config: {max_retries: 50000}}]
""", lambda m: "max_retries" in m),
]


@pytest.mark.parametrize(("text", "explains"), [(t, e) for _, t, e in FIXTURE_ABUSES],
                         ids=[i for i, _, _ in FIXTURE_ABUSES])
def test_hostile_fixture_documents_are_refused(app: Flask, client: FlaskClient, text: str,
                                               explains: Callable[[str], bool]) -> None:
    """Run-time fixtures that nest, loop, explode or break the catalog get a 422 saying why."""
    before = _snapshot(app)
    response = client.post("/__mock/fixtures", data=text, content_type="application/yaml")
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert len(response.get_data()) <= MAX_ERROR_BYTES
    assert any(explains(d["message"]) for d in body["error"]["details"]), body
    assert _snapshot(app) == before


def _runnable(text: str) -> dict[str, Any]:
    position = {"x": 0, "y": 0}
    return {"graph": {
        "nodes": [{"id": "s", "type": "source_script", "position": position,
                   "config": {"text": text, "source_language": "en-us"}},
                  {"id": "k", "type": "sink_preview", "position": position}],
        "edges": [{"id": "e", "source": "s", "sourcePort": "lines", "target": "k",
                   "targetPort": "lines"}]}}


def test_a_run_plans_a_bounded_number_of_lines(client: FlaskClient) -> None:
    """Run plans are built up front under the workspace lock, so a start whose script has
    more lines (times output languages) than the mock plans is a 422, saved or overridden;
    one line fewer starts."""
    limit = 2000
    too_long = _created(client, _runnable("line\n" * (limit + 1)))
    response = client.post(f"{WORKFLOWS}/{too_long}/runs", headers=KEY)
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert body["error"]["details"][0]["field"] == "definition"
    fits = _created(client, _runnable("line\n" * 3))
    response = client.post(f"{WORKFLOWS}/{fits}/runs",
                           json={"script_text": "line\n" * (limit + 1)}, headers=KEY)
    body = assert_error(response, 422, "VALIDATION_ERROR")
    assert body["error"]["details"][0]["field"] == "script_text"
    ok(client.post(f"{WORKFLOWS}/{fits}/runs", json={"script_text": "line\n" * limit},
                   headers=KEY), 202)
