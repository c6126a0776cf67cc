"""Script text: the lines of a workflow's script and their stand-in translations."""

from __future__ import annotations

import hashlib
import threading
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from ..catalog.graph_view import SOURCE

if TYPE_CHECKING:
    from faker import Faker

_FAKER_LOCK = threading.Lock()
_HOME_LOCALES = {"en": "en_US", "zh": "zh_CN", "ja": "ja_JP", "ar": "ar_AA"}


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


def language_of(locale: str) -> str:
    return locale.split("-", 1)[0].lower()


@lru_cache(maxsize=1)
def _word_list_locales() -> tuple[str, ...]:
    """Faker locales with a word list of their own (others fall back to Latin)."""
    lorem = resources.files("faker.providers.lorem")
    return tuple(sorted(entry.name for entry in lorem.iterdir()
                        if entry.is_dir() and "_" in entry.name))


def _faker_locale(locale: str) -> str | None:
    """The Faker locale that writes ``locale``'s language: same region first, else any."""
    language, _, region = locale.partition("-")
    candidates = _word_list_locales()
    # The language's home locale before a regional one (en_PH writes Latin-flavoured words).
    preferred = (f"{language}_{region.upper()}", _HOME_LOCALES.get(language, ""),
                 f"{language}_{language.upper()}")
    found = next((name for name in preferred if name in candidates), None)
    return found or next((c for c in candidates if c.split("_")[0] == language), None)


@lru_cache(maxsize=64)
def _faker(name: str) -> Faker:
    # Imported on first use: Faker takes ~0.4 s to import, and startup needs none of it.
    from faker import Faker

    # Only the lorem provider: ``sentence`` is all we use, and loading every provider took
    # ~0.25 s per locale (most of generating a workspace). Same sentences either way:
    # seeding and drawing go through the one generator (checked on every Faker locale).
    return Faker(name, providers=["faker.providers.lorem"])


@lru_cache(maxsize=1)
def _sentences() -> dict[str, list[str]]:
    text = resources.files("mockserver").joinpath("data", "phrases.yaml").read_text("utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's: ~40 ms faster
    data: dict[str, list[str]] = yaml.load(text, Loader=loader).get("sentences", {})
    return data


def translate(seed: int, line: str, locale: str, source_language: str = "en-us") -> str:
    """A deterministic line in ``locale``'s language standing in for a translation of ``line``.

    Between two locales of one language (en-us to en-gb) the line is kept as written.
    """
    if language_of(locale) == language_of(source_language):
        return line
    digest = int.from_bytes(
        hashlib.sha256(f"{seed}|{locale}|{line}".encode()).digest()[:8], "big")
    bank = _sentences().get(language_of(locale))
    if bank:
        return bank[digest % len(bank)]
    name = _faker_locale(locale)
    if name is None:
        return f"[{locale}] {line}"
    faker = _faker(name)
    words = max(4, min(18, len(line.split())))
    with _FAKER_LOCK:
        faker.seed_instance(digest)
        return str(faker.sentence(nb_words=words, variable_nb_words=False))
