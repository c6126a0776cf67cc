"""What the app hands the WSGI server: request ids that forked workers never share, and
bodies held whole handed over as a one-item list (granian writes a list in one go; any
other iterable it walks item by item, taking the interpreter lock back for each)."""

from __future__ import annotations

import io
import multiprocessing
import sys
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from support import DEMO_KEY

from mockserver.app import create_app
from mockserver.envelope import new_meta

_NOW = datetime(2026, 12, 5, tzinfo=UTC)


def _fresh_id() -> str:
    time.sleep(0.003)  # a new millisecond: the id's random part is drawn, not incremented
    return new_meta(_NOW)["request_id"]


def _child_id(queue: Any) -> None:
    queue.put(_fresh_id())


def test_forked_processes_draw_different_request_ids() -> None:
    """A forked worker starts from its parent's generator state; without a new seed, two
    workers answering in the same millisecond would send the same request id."""
    new_meta(_NOW)  # the parent has drawn before it forks, as a serving parent has
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child_id, args=(queue,))
    child.start()
    mine = _fresh_id()
    theirs = queue.get(timeout=60)
    child.join(60)
    assert child.exitcode == 0
    # Characters 10 onward are the 80 random bits (the first 10 are the millisecond).
    assert mine[10:] != theirs[10:], (mine, theirs)


def test_request_ids_sort_in_the_order_they_were_made() -> None:
    made = [new_meta(_NOW)["request_id"] for _ in range(2000)]
    assert made == sorted(made)
    assert len(set(made)) == len(made)


def _environ(path: str, method: str = "GET") -> dict[str, Any]:
    return {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1:8000",
            "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""), "wsgi.errors": sys.stderr,
            "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
            "HTTP_AUTHORIZATION": f"Bearer {DEMO_KEY}"}


def _call(app: Flask, environ: dict[str, Any]) -> tuple[str, Any]:
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)
        return lambda data: None

    return_value = app(environ, start_response)
    return statuses[0], return_value


def test_answers_held_whole_are_handed_over_as_one_item_lists() -> None:
    app = create_app()
    for path in ("/api/v1/workflows?limit=2", "/api/v1/nope", "/docs"):
        environ = _environ(path.partition("?")[0])
        environ["QUERY_STRING"] = path.partition("?")[2]
        status, body = _call(app, environ)
        assert isinstance(body, list) and len(body) == 1, (path, status, type(body))
        assert body[0], path
    status, body = _call(app, _environ("/api/v1/workflows", "HEAD"))
    assert body == [b""], status  # a HEAD answer's body is never sent


def test_a_streamed_answer_is_still_streamed() -> None:
    """``X-Mock-Fault: drop`` promises a body and breaks it off: it must stay an iterator
    that fails while the server sends it, not be read (and fail) inside the app."""
    app = create_app()
    environ = _environ("/api/v1/workflows")
    environ["HTTP_X_MOCK_FAULT"] = "drop"
    status, body = _call(app, environ)
    assert status.startswith("200") and not isinstance(body, list)
    chunks: list[bytes] = []
    try:
        for chunk in body:
            chunks.append(chunk)
    except ConnectionAbortedError:
        pass
    else:
        raise AssertionError("the dropped answer ended normally")
    finally:
        body.close()
    assert b"".join(chunks) == b'{"data":'
