"""CORS for browser prototypes: loopback by default, configurable origins."""

from __future__ import annotations

import pytest
from support import make_settings

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
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
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
