"""The console page's files, shipped in the package (plain HTML, CSS and JS: no build
step, nothing fetched from elsewhere)."""

from __future__ import annotations

from pathlib import Path

PAGES_DIR = Path(__file__).resolve().parent.parent / "pages"
_ASSETS = {"console.js": "text/javascript; charset=utf-8",
           "console.css": "text/css; charset=utf-8"}


def console_page() -> bytes:
    return (PAGES_DIR / "console.html").read_bytes()


def asset(name: str) -> tuple[bytes, str] | None:
    """A console file and its media type, or None for any other name."""
    content_type = _ASSETS.get(name)
    if content_type is None:
        return None
    return (PAGES_DIR / name).read_bytes(), content_type
