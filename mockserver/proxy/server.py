"""Build and run the proxy: on werkzeug's threaded server (the command line) or on a
background thread (tests and embedding, like ``mockserver.testing.MockServer``)."""

from __future__ import annotations

import json
import threading
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from ..settings import DEFAULT_SPEC
from ..verify.contract import Contract
from .app import ProxyApp
from .journal import ViolationJournal
from .recorder import Recorder
from .validation import Validator

WHOAMI_TIMEOUT = 30.0


def upstream_whoami(upstream: str, contract: Contract) -> Any:
    """A function asking the upstream who a credential is (for the recorder)."""
    op = contract.by_id.get("whoami")
    path = op.path if op else None

    def whoami(authorization: str) -> dict[str, Any] | None:
        if path is None:
            return None
        request = urllib.request.Request(upstream.rstrip("/") + path,
                                         headers={"Authorization": authorization})
        try:
            with urllib.request.urlopen(request, timeout=WHOAMI_TIMEOUT) as answer:
                data = json.loads(answer.read()).get("data")
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    return whoami


def build_proxy(upstream: str, record: Path | None = None,
                spec_path: Path = DEFAULT_SPEC) -> ProxyApp:
    contract = Contract(spec_path)
    recorder = Recorder(record, upstream_whoami(upstream, contract)) if record else None
    return ProxyApp(upstream, Validator(contract), ViolationJournal(), recorder)


class ProxyServer:
    """The proxy on 127.0.0.1 and a free port, on a daemon thread, stopped on exit."""

    def __init__(self, upstream: str, record: Path | None = None) -> None:
        self.app = build_proxy(upstream, record)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "proxy not started"
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> ProxyServer:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="onepin-mock-proxy")
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
