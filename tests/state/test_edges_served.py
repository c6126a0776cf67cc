"""Edges only the real server shows: bytes as a client puts them on the wire, through
granian to the app (the Flask test client would clean them up first)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from served import Served, serving
from support import DEMO_KEY

KEY = {"Authorization": f"Bearer {DEMO_KEY}"}
WORKFLOWS = "/api/v1/workflows"


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with serving("--quiet") as server:
        yield server


def _exchange(served: Served, head: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send one request head as given; (status, headers, body) of the answer."""
    address = urlsplit(served.url)
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(head)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    status_line, _, rest = answer.partition(b"\r\n")
    header_block, _, body = rest.partition(b"\r\n\r\n")
    headers = dict(line.decode("latin-1").split(": ", 1)
                   for line in header_block.split(b"\r\n") if line)
    return int(status_line.split()[1]), {k.lower(): v for k, v in headers.items()}, body


def _get(served: Served, target: bytes, *header_lines: bytes) -> tuple[int, dict[str, str],
                                                                        Any]:
    lines = [b"GET " + target + b" HTTP/1.1", b"Host: 127.0.0.1",
             f"Authorization: Bearer {DEMO_KEY}".encode(), *header_lines,
             b"Connection: close"]
    status, headers, body = _exchange(served, b"\r\n".join(lines) + b"\r\n\r\n")
    assert headers.get("content-type") == "application/json", (status, headers, body[:200])
    return status, headers, json.loads(body)


@pytest.mark.parametrize("target", [b"/api/v1//workflows", b"//api/v1/workflows",
                                    b"/api/v1/workflows//", b"//__mock/health"])
def test_double_slashes_are_404_in_the_envelope_not_redirects(served: Served,
                                                               target: bytes) -> None:
    status, headers, body = _get(served, target)
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")
    assert "location" not in headers


def test_a_file_link_has_no_double_slash_alias(served: Served) -> None:
    runs = httpx.get(f"{served.url}{WORKFLOWS}?status=completed&limit=1", headers=KEY).json()
    workflow = runs["data"][0]["id"]
    run = next(r for r in httpx.get(f"{served.url}{WORKFLOWS}/{workflow}/runs",
                                    headers=KEY).json()["data"] if r["status"] == "completed")
    link = httpx.get(f"{served.url}{WORKFLOWS}/{workflow}/runs/{run['id']}/download",
                     headers=KEY).json()["data"]["url"]
    path = link[link.index("/files/"):]
    assert httpx.get(f"{served.url}{path}").status_code == 200
    status, _, body = _get(served, b"/" + path.encode())
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")


@pytest.mark.parametrize(("name", "value"), [
    (b"Prefer", "code=\uff14\uff10\uff14"), (b"Prefer", "example=caf\u00e9"),
    (b"X-Mock-Fault", "status=\uff15\uff10\uff13"), (b"X-Mock-Delay", "\uff15s"),
])
def test_override_headers_with_non_ascii_bytes_are_422(served: Served, name: bytes,
                                                       value: str) -> None:
    """granian hands such a value to the app as an empty string: refused, never ignored."""
    status, _, body = _get(served, WORKFLOWS.encode(), name + b": " + value.encode())
    assert (status, body["error"]["code"]) == (422, "VALIDATION_ERROR")
    assert [d["field"] for d in body["error"]["details"]] == [name.decode()]


def test_empty_answers_carry_no_media_type_through_granian(served: Served) -> None:
    """/favicon.ico and a preflight are 204s with no Content-Type on the wire."""
    preflight = httpx.options(f"{served.url}{WORKFLOWS}", headers={
        "Origin": "http://localhost:5173", "Access-Control-Request-Method": "GET"})
    favicon = httpx.get(f"{served.url}/favicon.ico")
    for response in (preflight, favicon):
        assert response.status_code == 204
        assert "content-type" not in response.headers


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_compressed_answers_through_granian(served: Served, coding: str) -> None:
    """The served contract comes encoded as asked, with the encoded length on the wire."""
    head = (f"GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: {coding}\r\n"
            "Connection: close\r\n\r\n").encode()
    status, headers, body = _exchange(served, head)
    assert status == 200 and headers["content-encoding"] == coding
    assert int(headers["content-length"]) == len(body)
    plain = httpx.get(f"{served.url}/openapi.json", headers={"Accept-Encoding": "identity"})
    assert len(body) * 4 < len(plain.content)
