"""What a test session pays before its first request, measured as the pytest plugin does it.

Prints JSON: session start (import, app built, server listening), creating a fresh workspace
(``onepin_mock_workspace``), and its first and second list requests. Run by compare.py in
a fresh interpreter so the imports are counted.
"""

from __future__ import annotations

import json
import time
import urllib.request

STARTED = time.perf_counter()

from mockserver.settings import Settings  # noqa: E402  (the import is part of the cost)
from mockserver.testing import MockServer  # noqa: E402


def elapsed_ms(since: float) -> float:
    return (time.perf_counter() - since) * 1000


def list_ms(url: str, key: str) -> float:
    request = urllib.request.Request(f"{url}/api/v1/workflows?limit=20",
                                     headers={"Authorization": f"Bearer {key}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
    return elapsed_ms(started)


def main() -> None:
    with MockServer(Settings()) as server:
        session_start = elapsed_ms(STARTED)
        started = time.perf_counter()
        workspace = server.create_workspace()
        create = elapsed_ms(started)
        first = list_ms(server.url, workspace.api_key)
        second = list_ms(server.url, workspace.api_key)
    print(json.dumps({"session_start_ms": session_start, "create_workspace_ms": create,
                      "first_list_ms": first, "second_list_ms": second}))


if __name__ == "__main__":
    main()
