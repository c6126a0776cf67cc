"""Schema-generated bodies for ``Prefer: dynamic=true``.

A small, deterministic generator over the JSON-schema subset openapi.yaml uses: the
same seed and request give the same body, and every body validates against its schema.
"""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

Resolver = Callable[[dict[str, Any]], dict[str, Any]]
_WORDS = ("voice", "line", "script", "locale", "studio", "take", "prompt", "sample", "mock")
_MAX_DEPTH = 8


class DynamicBody:
    def __init__(self, resolve: Resolver, r: random.Random) -> None:
        self.resolve = resolve
        self.r = r

    def make(self, schema: dict[str, Any], depth: int = 0) -> Any:
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return self.r.choice(schema["enum"])
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self._choice(schema[key], depth)
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                merged = _merge(merged, self.resolve(part))
            return self.make(merged, depth)
        return self._typed(schema, _type_of(schema), depth)

    def _choice(self, options: list[dict[str, Any]], depth: int) -> Any:
        concrete = [o for o in options if _type_of(self.resolve(o)) != "null"]
        return self.make(concrete[0] if concrete else options[0], depth)

    def _typed(self, schema: dict[str, Any], kind: str | None, depth: int) -> Any:
        makers: dict[str | None, Callable[[dict[str, Any], int], Any]] = {
            "object": self._object, "array": self._array, "string": self._string,
            "integer": self._integer, "number": self._number,
            "boolean": self._boolean, "null": _null,
        }
        maker = makers.get(kind) or self._object
        return maker(schema, depth)

    def _boolean(self, schema: dict[str, Any], depth: int) -> bool:
        return self.r.random() < 0.5

    def _object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        out = {}
        for name, sub in properties.items():
            if name in required or (depth < _MAX_DEPTH - 2 and self.r.random() < 0.5):
                out[name] = self.make(sub, depth + 1)
        return out

    def _array(self, schema: dict[str, Any], depth: int) -> list[Any]:
        if depth >= _MAX_DEPTH or "items" not in schema:
            return []
        low = int(schema.get("minItems", 0))
        count = max(low, self.r.randint(1, 3))
        count = min(count, int(schema.get("maxItems", count)))
        return [self.make(schema["items"], depth + 1) for _ in range(count)]

    def _string(self, schema: dict[str, Any], depth: int) -> str:
        fmt = schema.get("format")
        if fmt == "uuid":
            return str(uuid.UUID(int=self.r.getrandbits(128), version=4))
        if fmt == "date-time":
            seconds = self.r.randint(0, 30_000_000)
            moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
            return moment.isoformat().replace("+00:00", "Z")
        if "pattern" in schema:  # only simple id-like patterns appear in the spec
            return "".join(self.r.choice("0123456789abcdef") for _ in range(16))
        text = " ".join(self.r.choice(_WORDS) for _ in range(self.r.randint(1, 4)))
        low, high = int(schema.get("minLength", 0)), int(schema.get("maxLength", 200))
        text = text.ljust(low, self.r.choice(string.ascii_lowercase))
        return text[:high]

    def _integer(self, schema: dict[str, Any], depth: int) -> int:
        low = int(schema.get("minimum", 0))
        return self.r.randint(low, int(schema.get("maximum", low + 1000)))

    def _number(self, schema: dict[str, Any], depth: int) -> float:
        low = float(schema.get("minimum", 0))
        return round(self.r.uniform(low, float(schema.get("maximum", low + 100))), 3)


def _null(schema: dict[str, Any], depth: int) -> None:
    return None


def _type_of(schema: dict[str, Any]) -> str | None:
    declared = schema.get("type")
    if isinstance(declared, list):
        concrete = [t for t in declared if t != "null"]
        return concrete[0] if concrete else "null"
    if declared is None and "properties" in schema:
        return "object"
    return declared if isinstance(declared, str) else None


def _merge(left: dict[str, Any], right: dict[str, Any]) -> dict[str, Any]:
    merged = {**left, **right}
    merged["properties"] = {**left.get("properties", {}), **right.get("properties", {})}
    merged["required"] = [*left.get("required", []), *right.get("required", [])]
    return merged
