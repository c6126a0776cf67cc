"""Compressed answers: JSON, YAML and the docs' assets when the client accepts it."""

from __future__ import annotations

import gzip

import brotli
import pytest
from flask.testing import FlaskClient
from support import KEY, make_settings

from mockserver.app import create_app
from mockserver.control.compression import chosen_encoding

WORKFLOWS = "/api/v1/workflows"
TEXT_PAGES = [f"{WORKFLOWS}?limit=50&include_definition=true", "/openapi.json",
              "/openapi.yaml", "/docs", "/docs/assets/swagger-ui-bundle.js",
              "/docs/assets/swagger-ui.css"]


def _decoded(body: bytes, coding: str) -> bytes:
    return gzip.decompress(body) if coding == "gzip" else bytes(brotli.decompress(body))


@pytest.mark.parametrize("coding", ["gzip", "br"])
@pytest.mark.parametrize("path", TEXT_PAGES)
def test_text_answers_are_compressed_when_accepted(client: FlaskClient, path: str,
                                                   coding: str) -> None:
    """The same bytes, encoded as asked, with Content-Length of the encoded body and
    Vary: Accept-Encoding; smaller."""
    plain = client.get(path, headers=KEY)
    plain_body = plain.get_data()
    plain.close()  # a file answer holds its file open until closed
    encoded = client.get(path, headers={**KEY, "Accept-Encoding": coding})
    assert plain.status_code == encoded.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert encoded.headers["Content-Encoding"] == coding
    assert "Accept-Encoding" in encoded.headers["Vary"]
    assert int(encoded.headers["Content-Length"]) == len(encoded.data)
    assert len(encoded.data) < len(plain_body)
    text = _decoded(encoded.data, coding)
    if path.startswith(WORKFLOWS):  # request ids and times differ; the rows do not
        assert text.count(b'"id":') == plain_body.count(b'"id":')
    else:
        assert text == plain_body


@pytest.mark.parametrize(("header", "expected"), [
    ("gzip, deflate, br", "br"), ("gzip", "gzip"), ("br;q=0.5, gzip", "gzip"),
    ("identity", None), ("*", "br"), ("br;q=0, *", "gzip"), ("gzip;q=0", None), ("", None),
])
def test_the_encoding_follows_accept_encoding(header: str, expected: str | None) -> None:
    """Brotli when preferred or tied, gzip otherwise, nothing when neither is accepted."""
    assert chosen_encoding(header) == expected


def test_files_small_bodies_and_head_pass_through(client: FlaskClient) -> None:
    """Binary files, bodies under 1 KiB and HEAD answers are never encoded."""
    accept = {"Accept-Encoding": "gzip, br"}
    small = client.get("/__mock/health", headers=accept)
    head = client.head("/openapi.json", headers=accept)
    icon = client.get("/docs/assets/favicon-32x32.png", headers=accept)
    for response in (small, head, icon):
        response.get_data()
        response.close()
        assert "Content-Encoding" not in response.headers


def test_compression_can_be_switched_off() -> None:
    """compress_responses=False (serve --no-compress) answers plainly whatever is accepted."""
    plain = create_app(make_settings(compress_responses=False)).test_client()
    response = plain.get("/openapi.json", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in response.headers


def test_the_journal_keeps_the_plain_body(client: FlaskClient) -> None:
    """Compression happens outside the journal: it records the JSON the mock built."""
    client.get(f"{WORKFLOWS}?limit=3", headers={**KEY, "Accept-Encoding": "gzip"})
    entry = client.get("/__mock/requests?limit=1").get_json()["data"][-1]
    assert entry["response_body"].startswith("{\"data\":")
