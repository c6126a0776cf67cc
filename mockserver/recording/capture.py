"""What the journal keeps of a request and its answer: headers and bodies, bounded,
with credentials masked, as plain strings (so an entry can live in any store).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable
from typing import Any

BODY_LIMIT = 16 * 1024  # characters of a body kept per entry
_MASK = "•••"
# Headers whose whole value is a secret, and those where a short prefix helps a reader
# tell two credentials apart ("Bearer op_live_demoAll…").
_SECRET_HEADERS = {"x-mock-admin-token", "cookie", "set-cookie", "proxy-authorization"}
_PREFIX_HEADERS = {"authorization"}
_PREFIX_CHARS = 16  # "op_live_" and 8 of the 32 secret characters
_SECRET_KEYS = re.compile(r"^(token|access_token|refresh_token|id_token|api_key|password|"
                          r"secret|client_secret)$", re.IGNORECASE)
_TEXT_TYPES = ("application/json", "application/yaml", "application/x-yaml",
               "application/problem+json", "application/x-www-form-urlencoded")


def mask_header(name: str, value: str) -> str:
    lowered = name.lower()
    if lowered in _SECRET_HEADERS:
        return _MASK
    if lowered in _PREFIX_HEADERS:
        scheme, _, credential = value.partition(" ")
        shown = credential[:_PREFIX_CHARS]
        return f"{scheme} {shown}{_MASK}" if credential else _MASK
    return value


def captured_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Header name -> value (repeated headers joined with ', '), secrets masked."""
    kept: dict[str, str] = {}
    for name, value in headers:
        masked = mask_header(name, value)
        kept[name] = f"{kept[name]}, {masked}" if name in kept else masked
    return kept


def _is_text(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media.startswith("text/") or media in _TEXT_TYPES or media.endswith("+json")


def _mask_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _MASK if _SECRET_KEYS.match(str(key)) and isinstance(item, str)
                else _mask_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_mask_json(item) for item in value]
    return value


# How every key _SECRET_KEYS matches ends (its "$" lets a final newline through) in
# compact JSON written with ensure_ascii=False, which never escapes a letter: a body
# without one of these, ASCII letters lowered, has no key to mask...
_SECRET_WORDS = tuple(word.encode() for word in ("token", "api_key", "password", "secret"))
_SECRET_KEY_ENDINGS = tuple(word + newline + b'":' for word in _SECRET_WORDS
                            for newline in (b"", b"\\n"))
# ...unless it holds one of the four non-ASCII letters re's IGNORECASE takes for an ASCII
# one ("i" twice, "s", "k"; checked over every code point).
NON_ASCII_LOOKALIKES = tuple(letter.encode() for letter in "\u0130\u0131\u017f\u212a")
_LOOKALIKE_LEADS = tuple(sorted({letter[:1] for letter in NON_ASCII_LOOKALIKES}))


def _may_name_a_secret(data: bytes) -> bool:
    """False only if no key of this compact UTF-8 JSON can match _SECRET_KEYS (much
    cheaper than a case-insensitive regex, or str.casefold, over the whole body)."""
    # Their first bytes, looked for one at a time (a fast memchr), rule most bodies out.
    if any(lead in data for lead in _LOOKALIKE_LEADS) and any(
            letter in data for letter in NON_ASCII_LOOKALIKES):
        return True
    lowered = data.lower()  # bytes.lower() changes ASCII letters only
    # Every ending holds its word: four scans rule most bodies out, not eight.
    return any(word in lowered for word in _SECRET_WORDS) and any(
        ending in lowered for ending in _SECRET_KEY_ENDINGS)


def captured_body(data: bytes, content_type: str | None, compact_json: bool = False) -> str:
    """The body as text for a reader: JSON with secrets masked, other text as is, and a
    one-line description of binary content (audio, archives).

    ``compact_json``: the mock encoded the body itself, compactly; decoding and encoding it
    again would give the same text, so unless it may hold a secret it is kept as it is
    (most of the journal's cost on large pages)."""
    if not data:
        return ""
    content_type = content_type or ""
    if not _is_text(content_type):
        return f"<{len(data)} bytes of {content_type or 'unknown type'}>"
    text = data.decode("utf-8", errors="replace")
    # Only the kept part can show a secret: masking a value changes the text from that
    # value on, so a kept part naming no secret key reads the same masked or not.
    kept = text[:BODY_LIMIT].encode() if len(text) > BODY_LIMIT else data
    if "json" in content_type.lower() and not (compact_json
                                                and not _may_name_a_secret(kept)):
        # A malformed (or absurdly nested) body is kept as the client sent it.
        with contextlib.suppress(ValueError, RecursionError):
            text = json.dumps(_mask_json(json.loads(text)), ensure_ascii=False,
                              separators=(",", ":"))
    if len(text) > BODY_LIMIT:
        return f"{text[:BODY_LIMIT]}… ({len(text) - BODY_LIMIT} more characters)"
    return text
