"""One way to send a request to a mock, in process (Flask's test client) or over HTTP to
served instances, so a scenario runs unchanged on every backend."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import httpx
from flask import Flask

# (method, path, JSON body or None, headers) -> (status, decoded JSON body, or the text)
Call = Callable[[str, str, "dict[str, Any] | None", "dict[str, str]"], tuple[int, Any]]


def flask_call(app: Flask) -> Call:
    def call(method: str, path: str, body: dict[str, Any] | None,
             headers: dict[str, str]) -> tuple[int, Any]:
        response = app.test_client().open(path, method=method, json=body, headers=headers)
        if response.is_json:
            return response.status_code, response.get_json()
        return response.status_code, response.get_data(as_text=True)

    return call


def http_call(bases: list[str], stack: ExitStack) -> Call:
    """Requests to the instances at ``bases`` in turn, each on a connection of its own (a
    kept-alive one the server has just closed would fail the request, not the mock)."""
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=0)
    clients = [stack.enter_context(httpx.Client(base_url=base, timeout=60, limits=limits))
               for base in bases]
    turn, lock = itertools.count(), threading.Lock()

    def call(method: str, path: str, body: dict[str, Any] | None,
             headers: dict[str, str]) -> tuple[int, Any]:
        with lock:
            client = clients[next(turn) % len(clients)]
        response = client.request(method, path, json=body, headers=headers)
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.status_code, response.json()
        return response.status_code, response.text

    return call


def data(found: tuple[int, Any], status: int = 200) -> Any:
    """The ``data`` of an answer that has this status."""
    assert found[0] == status, found
    return found[1]["data"]
