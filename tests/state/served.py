"""``onepin-mock serve`` as a real process (its own workers) on a free loopback port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
from redis_server import free_port

ONEPIN_MOCK = str(Path(sys.executable).parent / "onepin-mock")


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def kill_hard(self) -> None:
        """SIGKILL the server and its workers: no chance to flush or clean up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@contextmanager
def serving(*args: str, hash_seed: str = "0") -> Iterator[Served]:
    port = free_port()
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    # The output goes to a file, not a pipe: a full pipe would stall the server.
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen([ONEPIN_MOCK, "serve", "--port", str(port), *args],
                                   env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        served = Served(f"http://127.0.0.1:{port}", process, log)
        try:
            _wait_healthy(served)
            yield served
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def _wait_healthy(served: Served) -> None:
    deadline = time.monotonic() + 60
    while True:
        if served.process.poll() is not None:
            served.log.seek(0)
            error = served.log.read().decode(errors="replace")
            raise RuntimeError(f"onepin-mock serve exited: {error[-2000:]}")
        try:
            if httpx.get(f"{served.url}/__mock/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("onepin-mock serve did not become healthy in 60 s")
        time.sleep(0.1)
