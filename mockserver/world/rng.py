"""Per-record randomness: every record draws from its own stream.

``rng(seed, kind, key)`` hashes its inputs, so adding a field or a record never
shifts the values of any other record (ARCHITECTURE.md, "Deterministic").
"""

from __future__ import annotations

import hashlib
import random
import uuid

_NAMESPACE = uuid.UUID("5b0e8a52-8d1f-4f4e-9a8e-6f1c0a7d3e21")


def rng(seed: int, kind: str, key: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}|{kind}|{key}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def stable_uuid(seed: int, kind: str, key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{seed}|{kind}|{key}"))


def hex_id(r: random.Random, length: int = 16) -> str:
    return "".join(r.choice("0123456789abcdef") for _ in range(length))
