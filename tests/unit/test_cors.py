"""CORS for browser prototypes: loopback by default, configurable origins."""

from __future__ import annotations

import pytest
from support import KEY, assert_error, make_settings

from mockserver.app import create_app

PREFLIGHT = {"Access-Control-Request-Method": "POST",
             "Access-Control-Request-Headers": "authorization, content-type"}


@pytest.mark.parametrize("origin", ["http://localhost:5173", "http://127.0.0.1:3000",
                                    "http://[::1]:8080", "https://localhost"])
def test_loopback_origins_are_allowed_by_default(origin: str) -> None:
    """Any loopback origin passes the preflight and gets the allow header."""
    client = create_app(make_settings()).test_client()
    preflight = client.options("/api/v1/workflows", headers={"Origin": origin, **PREFLIGHT})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == origin
    assert preflight.headers["Access-Control-Allow-Headers"] == "authorization, content-type"
    response = client.get("/api/v1/nodes", headers={"Origin": origin})
    assert response.headers["Access-Control-Allow-Origin"] == origin
    assert "X-OnePin-Required-Version" in response.headers["Access-Control-Expose-Headers"]


def test_other_origins_are_refused_by_default() -> None:
    """A non-loopback origin gets no CORS headers and a refused preflight."""
    client = create_app(make_settings()).test_client()
    origin = {"Origin": "https://app.example.com"}
    refused = client.options("/api/v1/nodes", headers={**origin, **PREFLIGHT})
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "FORBIDDEN"
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/nodes", headers=origin).headers


def test_configured_origins_replace_the_default() -> None:
    """With cors_origins set, only those origins are allowed."""
    client = create_app(make_settings(cors_origins=("https://app.example.com",))).test_client()
    allowed = client.get("/api/v1/nodes", headers={"Origin": "https://app.example.com"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    local = client.get("/api/v1/nodes", headers={"Origin": "http://localhost:5173"})
    assert "Access-Control-Allow-Origin" not in local.headers


def test_wildcard_allows_every_origin() -> None:
    """'*' allows any origin (echoed back, so credentials still work)."""
    client = create_app(make_settings(cors_origins=("*",))).test_client()
    response = client.get("/api/v1/nodes", headers={"Origin": "https://anything.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://anything.example"


def test_preflight_echoes_the_requested_headers() -> None:
    """Whatever headers a page asks for (tracing, x-requested-with) are allowed, and the
    browser may cache the answer; without a list the API's own headers are allowed."""
    client = create_app(make_settings()).test_client()
    asked = "authorization, traceparent, x-requested-with, tracestate"
    preflight = client.options("/api/v1/workflows", headers={
        "Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": asked})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Headers"] == asked
    assert int(preflight.headers["Access-Control-Max-Age"]) >= 600
    assert "Access-Control-Request-Headers" in preflight.headers["Vary"]
    bare = client.options("/api/v1/workflows", headers={
        "Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"})
    assert "Authorization" in bare.headers["Access-Control-Allow-Headers"]


def test_wildcard_origin_also_echoes_requested_headers() -> None:
    """--cors-origin '*' allows any origin with any requested header."""
    client = create_app(make_settings(cors_origins=("*",))).test_client()
    preflight = client.options("/api/v1/workflows", headers={
        "Origin": "https://app.example.com", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "traceparent"})
    assert preflight.headers["Access-Control-Allow-Headers"] == "traceparent"


def test_refused_origin_gets_no_echo() -> None:
    """A refused origin's preflight is the 403 envelope, allowing no header."""
    client = create_app(make_settings()).test_client()
    refused = client.options("/api/v1/workflows", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "traceparent"})
    assert_error(refused, 403, "FORBIDDEN")
    assert "Access-Control-Allow-Headers" not in refused.headers


def test_headers_a_client_reads_are_exposed() -> None:
    """Scripts may read the version floor, Retry-After and file/range headers."""
    client = create_app(make_settings()).test_client()
    response = client.get("/api/v1/workflows", headers={"Origin": "http://127.0.0.1:3000",
                                                        "Prefer": "code=429", **KEY})
    exposed = response.headers["Access-Control-Expose-Headers"]
    for header in ("X-OnePin-Required-Version", "Retry-After", "Content-Range",
                   "Accept-Ranges", "Content-Disposition"):
        assert header in exposed
    assert response.headers["Retry-After"]


def test_null_origin_is_refused_unless_allowed() -> None:
    """Pages from file:// send Origin: null: refused by default, allowed with the flag."""
    null_preflight = {"Origin": "null", **PREFLIGHT}
    default = create_app(make_settings()).test_client()
    assert_error(default.options("/api/v1/workflows", headers=null_preflight), 403, "FORBIDDEN")
    opted_in = create_app(make_settings(cors_allow_null_origin=True)).test_client()
    preflight = opted_in.options("/api/v1/workflows", headers=null_preflight)
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "null"
    response = opted_in.get("/api/v1/workflows", headers={"Origin": "null", **KEY})
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "null"


def test_private_network_preflight_is_answered() -> None:
    """Chromium's private-network preflight (a page elsewhere calling loopback) is allowed."""
    client = create_app(make_settings(cors_allow_null_origin=True)).test_client()
    preflight = client.options("/api/v1/workflows", headers={
        "Origin": "null", "Access-Control-Request-Private-Network": "true", **PREFLIGHT})
    assert preflight.headers["Access-Control-Allow-Private-Network"] == "true"


@pytest.mark.parametrize("origins", [(), ("*",)])
def test_credentials_opt_in_echoes_the_origin(origins: tuple[str, ...]) -> None:
    """With cors_allow_credentials, preflights and answers carry Allow-Credentials: true and
    the caller's own origin (never '*', which browsers refuse with credentials)."""
    client = create_app(make_settings(cors_origins=origins,
                                      cors_allow_credentials=True)).test_client()
    origin = {"Origin": "http://localhost:5173"}
    preflight = client.options("/api/v1/workflows", headers={**origin, **PREFLIGHT})
    answer = client.get("/api/v1/workflows", headers={**origin, **KEY})
    for response in (preflight, answer):
        assert response.headers["Access-Control-Allow-Credentials"] == "true"
        assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"


def test_credentials_are_off_by_default() -> None:
    """Without the opt-in no answer allows credentials."""
    client = create_app(make_settings()).test_client()
    origin = {"Origin": "http://localhost:5173"}
    preflight = client.options("/api/v1/workflows", headers={**origin, **PREFLIGHT})
    answer = client.get("/api/v1/workflows", headers={**origin, **KEY})
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    assert "Access-Control-Allow-Credentials" not in answer.headers


def test_empty_answers_have_no_media_type() -> None:
    """A preflight's and /favicon.ico's empty 204s carry no Content-Type (not text/html)."""
    client = create_app(make_settings()).test_client()
    preflight = client.options("/api/v1/workflows",
                               headers={"Origin": "http://localhost:5173", **PREFLIGHT})
    favicon = client.get("/favicon.ico")
    for response in (preflight, favicon):
        assert response.status_code == 204
        assert "Content-Type" not in response.headers
