"""The health check answers promptly while the server is loaded and its connections full."""

from __future__ import annotations

import socket
import threading
import time
from urllib.parse import urlsplit

import httpx
from served import serving
from support import DEMO_KEY

IDLE_CONNECTIONS = 300
LOAD_THREADS = 32
# The Docker HEALTHCHECK gives a probe 2 s; the issue asks for an answer within 1 s.
PROBE_TIMEOUT_S = 1.0


def _load(url: str, stop: threading.Event) -> None:
    with httpx.Client(timeout=30, headers={"Authorization": f"Bearer {DEMO_KEY}"}) as client:
        while not stop.is_set():
            client.get(f"{url}/api/v1/workflows?limit=100")


def test_health_answers_within_a_second_under_load_with_idle_connections_open() -> None:
    with serving("--workers", "2") as server:
        address = urlsplit(server.url)
        idle = [socket.create_connection((address.hostname, address.port))
                for _ in range(IDLE_CONNECTIONS)]  # connected, never sending a byte
        stop = threading.Event()
        loaders = [threading.Thread(target=_load, args=(server.url, stop))
                   for _ in range(LOAD_THREADS)]
        try:
            for loader in loaders:
                loader.start()
            time.sleep(1)  # let the load build up
            answers = []
            for _ in range(10):
                with httpx.Client(timeout=PROBE_TIMEOUT_S) as probe:  # a new connection
                    answers.append(probe.get(f"{server.url}/__mock/health").status_code)
                time.sleep(0.2)
            assert answers == [200] * 10
        finally:
            stop.set()
            for loader in loaders:
                loader.join(timeout=60)
            for connection in idle:
                connection.close()
