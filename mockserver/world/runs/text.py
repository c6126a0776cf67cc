"""Script text: the lines of a workflow's script and their stand-in translations."""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..catalog.graph_view import SOURCE

if TYPE_CHECKING:
    from faker import Faker

_FAKER_LOCK = threading.Lock()


def script_text(definition: dict[str, Any]) -> str:
    """The text of the first source_script node ('' when there is none)."""
    graph = definition.get("graph") or {}
    for node in graph.get("nodes") or []:
        if isinstance(node, dict) and node.get("type") == SOURCE:
            text = (node.get("config") or {}).get("text")
            return text if isinstance(text, str) else ""
    return ""


def script_lines(definition: dict[str, Any]) -> list[str]:
    return split_lines(script_text(definition))


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@lru_cache(maxsize=64)
def _faker(locale: str) -> Faker | None:
    language, _, region = locale.partition("-")
    name = f"{language}_{region.upper()}" if region else language
    # Imported on first use: Faker takes ~0.4 s to import, and startup needs none of it.
    from faker import Faker

    try:
        # Only the lorem provider: ``sentence`` is all we use, and loading every provider
        # took ~0.25 s per locale (most of generating a workspace). Same sentences either
        # way: seeding and drawing go through the one generator (checked on every locale).
        return Faker(name, providers=["faker.providers.lorem"])
    except AttributeError:
        return None


def translate(seed: int, line: str, locale: str) -> str:
    """A deterministic sentence in ``locale`` standing in for a translation of ``line``."""
    faker = _faker(locale)
    if faker is None:
        return f"[{locale}] {line}"
    digest = hashlib.sha256(f"{seed}|{locale}|{line}".encode()).digest()
    words = max(4, min(18, len(line.split())))
    with _FAKER_LOCK:
        faker.seed_instance(int.from_bytes(digest[:8], "big"))
        return str(faker.sentence(nb_words=words, variable_nb_words=False))
