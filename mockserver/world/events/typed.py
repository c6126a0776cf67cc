"""Typed events: a frozen dataclass per kind, and the one conversion to and from its
stored form.

The log stores an event as ``(kind, payload)``, the payload a JSON object, and that form
never depends on these classes: the payload's keys are the dataclass's fields in the order
they are declared, each holding the field's value as JSON. ``to_payload`` and
``from_payload`` are the only crossing between the two, so a payload read from a log and
written back is the same text, byte for byte (the tests check it for every kind).

A field is one of:

- plain: always in the payload (``null`` only where its type allows ``None``);
- ``OPTIONAL`` (with a default): left out of the payload while its value is the default,
  and the default when the payload lacks it. A payload stating the default outright is
  refused: it would not be stored back the same;
- ``INSTANT``: a ``datetime``, stored as its ``isoformat()`` text;
- ``BASE64``: ``bytes``, stored as base64 text;
- ``part(cls)``: an ``EventPart`` (a nested object), stored as its own payload.

Each kind is declared ``@dataclass(frozen=True, slots=True, kw_only=True)`` (keywords only,
so a field with a default may stand where the stored form puts it), e.g.
``at: datetime = field(metadata=INSTANT)``.

Loading refuses, with a ``PayloadError`` naming the kind and the field, a payload that is
not an object, lacks a field, has one the class does not know, or holds one that does not
convert.
"""

from __future__ import annotations

import base64
import binascii
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, ClassVar, Self

__all__ = ["BASE64", "INSTANT", "OPTIONAL", "EventData", "EventPart", "PayloadError", "part"]

_CODEC = "payload_codec"
_OPTIONAL = "payload_optional"


class PayloadError(ValueError):
    """A stored payload that is not the form of its kind."""


@dataclass(frozen=True, slots=True)
class _Codec:
    """How a field's value is stored (``store``) and read back (``load``); ``None`` is
    stored as itself."""

    store: Callable[[Any], Any]
    load: Callable[[Any], Any]


def _load_bytes(text: Any) -> bytes:
    if not isinstance(text, str):
        raise TypeError(f"expected base64 text, got {type(text).__name__}")
    return base64.b64decode(text, validate=True)


def _load_instant(text: Any) -> datetime:
    if not isinstance(text, str):
        raise TypeError(f"expected ISO 8601 text, got {type(text).__name__}")
    return datetime.fromisoformat(text)


_INSTANT = _Codec(datetime.isoformat, _load_instant)
_BYTES = _Codec(lambda value: base64.b64encode(value).decode("ascii"), _load_bytes)

# Field metadata (``field(metadata=INSTANT)``): see the module docstring.
INSTANT: Mapping[str, Any] = {_CODEC: _INSTANT}
BASE64: Mapping[str, Any] = {_CODEC: _BYTES}
OPTIONAL: Mapping[str, Any] = {_OPTIONAL: True}


def part(cls: type[EventPart]) -> Mapping[str, Any]:
    return {_CODEC: _Codec(lambda value: value.to_payload(), cls.from_payload)}


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    codec: _Codec | None
    optional: bool
    absent: Any
    nullable: bool


_FIELDS: dict[type[EventPart], tuple[_Field, ...]] = {}


def _fields_of(cls: type[EventPart]) -> tuple[_Field, ...]:
    """The class's fields as the stored form reads them (worked out once per class)."""
    found = _FIELDS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = _FIELDS[cls] = tuple(
            _Field(f.name, f.metadata.get(_CODEC), _OPTIONAL in f.metadata, f.default,
                   _allows_none(hints[f.name]))
            for f in fields(cls))  # type: ignore[arg-type]  # every EventPart is a dataclass
    return found


def _allows_none(hint: Any) -> bool:
    if hint is Any:
        return True
    origin = typing.get_origin(hint)
    return origin in (typing.Union, types.UnionType) and type(None) in typing.get_args(hint)


class EventPart:
    """A frozen dataclass stored as a JSON object (an event, or an object inside one)."""

    __slots__ = ()

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {}
        for spec in _fields_of(type(self)):
            value = getattr(self, spec.name)
            if spec.optional and value is spec.absent:
                continue
            payload[spec.name] = (value if value is None or spec.codec is None
                                  else spec.codec.store(value))
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Self:
        if not isinstance(payload, Mapping):
            raise PayloadError(f"{cls._name()}: the payload is {type(payload).__name__}, "
                               "not an object")
        specs = _fields_of(cls)
        unknown = sorted(set(payload) - {spec.name for spec in specs})
        if unknown:
            raise PayloadError(f"{cls._name()}: unknown field(s) {', '.join(unknown)}")
        missing = [spec.name for spec in specs if not spec.optional and spec.name not in payload]
        if missing:
            raise PayloadError(f"{cls._name()}: missing field(s) {', '.join(missing)}")
        values = {spec.name: cls._loaded(spec, payload) for spec in specs
                  if spec.name in payload}
        return cls(**values)

    @classmethod
    def _loaded(cls, spec: _Field, payload: Mapping[str, Any]) -> Any:
        value = payload[spec.name]
        if spec.optional and value is spec.absent:
            raise PayloadError(f"{cls._name()}: field {spec.name!r} states {value!r}, which "
                               "the stored form says by leaving the field out")
        if value is None:
            if not spec.nullable:
                raise PayloadError(f"{cls._name()}: field {spec.name!r} is null")
            return None
        if spec.codec is None:
            return value
        try:
            return spec.codec.load(value)
        except (TypeError, ValueError, binascii.Error) as exc:
            raise PayloadError(f"{cls._name()}: field {spec.name!r}: {exc}") from exc

    @classmethod
    def _name(cls) -> str:
        return cls.__name__


class EventData(EventPart):
    """One kind of event: ``KIND`` is the name the log stores it under."""

    __slots__ = ()
    KIND: ClassVar[str]

    @classmethod
    def _name(cls) -> str:
        return cls.KIND

    def instant(self) -> datetime | None:
        """When the change happened: its ``at``, if it has one. No command may later decide
        at an earlier instant, and the clock may never again show one."""
        at = getattr(self, "at", None)
        return at if isinstance(at, datetime) else None
