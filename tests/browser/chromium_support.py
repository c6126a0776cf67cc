"""Constants and helpers of the Chromium suite (imported by its conftest and tests)."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(__file__).resolve().parent / "site"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ADMIN_TOKEN = "browser-suite-admin-token"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1400,1000",
                  # the audio test plays a muted element without a click
                  "--autoplay-policy=no-user-gesture-required", "--mute-audio")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class LiveMock:
    url: str

    def admin(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"X-Mock-Admin-Token": ADMIN_TOKEN},
                            timeout=10)

    def journal(self, **filters: Any) -> list[dict[str, Any]]:
        with self.admin() as client:
            response = client.get("/__mock/requests", params={"limit": 500, **filters})
            response.raise_for_status()
            return list(response.json()["data"])

    def set_clock(self, **body: Any) -> dict[str, Any]:
        """POST /__mock/clock (freeze_at, advance_seconds or real)."""
        with self.admin() as client:
            response = client.post("/__mock/clock", json=body)
            response.raise_for_status()
            return dict(response.json()["data"])

    def hold_clock(self) -> None:
        """Freeze the clock where it is: a run started now stays pending until released,
        however slow the machine (a status assertion on a live clock is a race)."""
        with self.admin() as client:
            now = client.get("/__mock/clock").json()["data"]["now"]
        self.set_clock(freeze_at=now)
