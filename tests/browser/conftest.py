"""Fixtures for the Chromium suite: a live `onepin-mock serve` with an admin token, a
static prototype page on another loopback origin, and headless Chromium (Debian's
/usr/bin/chromium driven through /usr/bin/chromedriver; nothing is downloaded).

Screenshots go to test-artifacts/browser/ at the repository root (git-ignored).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from chromium_support import (
    ADMIN_TOKEN,
    ARTIFACTS,
    CHROMEDRIVER,
    CHROMIUM,
    CHROMIUM_FLAGS,
    SITE,
    LiveMock,
    free_port,
)
from selenium import webdriver
from selenium.webdriver.chrome.service import Service


@pytest.fixture(scope="session")
def live_mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveMock]:
    """The real command, as a user starts it (waitress, admin token, quiet)."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "onepin-mock"), "serve", "--port", str(port),
               "--admin-token", ADMIN_TOKEN, "--quiet"]
    log = tmp_path_factory.mktemp("live-mock") / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/__mock/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the mock did not start"
            time.sleep(0.2)
        yield LiveMock(url)
    finally:
        server.terminate()
        server.wait(timeout=10)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def page_origin() -> Iterator[str]:
    """The prototype page, served from another loopback origin (another port)."""
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[webdriver.Chrome]:
    assert Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists(), \
        "install the Debian packages chromium and chromium-driver (bash scripts/system-deps)"
    profile = tempfile.mkdtemp(prefix="onepin-mock-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not fetch anything
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def screenshot(browser: webdriver.Chrome, request: pytest.FixtureRequest) -> Any:
    """screenshot("step") saves test-artifacts/browser/<test>-<step>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(step: str) -> Path:
        path = ARTIFACTS / f"{request.node.name}-{step}.png"
        browser.save_screenshot(str(path))
        return path

    return take
