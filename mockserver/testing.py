"""Run the mock on a background thread, for tests and embedding.

    with MockServer(Settings(seed=3)) as server:
        client = OnePinClient(base_url=server.url, token=DEMO_KEY)
"""

from __future__ import annotations

import dataclasses
import threading
from types import TracebackType

from werkzeug.serving import BaseWSGIServer, make_server

from .app import create_app
from .settings import Settings

DEMO_KEY = "op_live_demoAllScopesKeyForOnepinMock001"
READ_ONLY_KEY = "op_live_demoReadOnlyKeyForOnepinMock0002"
SECOND_WORKSPACE_KEY = "op_live_demoSecondWorkspaceKeyOnepin0003"


class MockServer:
    """A live HTTP server on 127.0.0.1 and a free port, stopped on exit."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = dataclasses.replace(settings or Settings(), host="127.0.0.1", port=0)
        self.app = create_app(self.settings)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> MockServer:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="onepin-mock")
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
