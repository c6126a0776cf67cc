"""422 ``details[].message`` in the real API's words (FastAPI, i.e. pydantic v2).

jsonschema says "0 is less than the minimum of 1"; the API says "Input should be greater
than or equal to 1". One function turns a jsonschema ``ValidationError`` into pydantic's
wording; errors pydantic has no counterpart for keep jsonschema's message.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from typing import Any

from jsonschema import ValidationError

__all__ = ["FIELD_REQUIRED", "JSON_INVALID", "STRING_UNICODE", "pydantic_message", "value_error"]

FIELD_REQUIRED = "Field required"
JSON_INVALID = "JSON decode error"
# pydantic's words for text that is not Unicode (a lone surrogate, bytes that are not UTF-8).
STRING_UNICODE = "Input should be a valid string, unable to parse raw data as a unicode string"
_TYPE_NAMES = {"string": "a valid string", "integer": "a valid integer",
               "number": "a valid number", "boolean": "a valid boolean",
               "array": "a valid list", "object": "a valid dictionary", "null": "None"}
# A query value that arrived as text and did not parse as the declared type.
_UNPARSED = {"integer": "unable to parse string as an integer",
             "number": "unable to parse string as a number",
             "boolean": "unable to interpret input"}
_UUID_GROUPS = (8, 4, 4, 4, 12)
_HEX = set(string.hexdigits) | {"-"}


def value_error(text: str) -> str:
    """A custom check's message, as pydantic prefixes those raised by validators."""
    return f"Value error, {text}"


def _plural(count: Any, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _number(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _choices(values: list[Any]) -> str:
    shown = [repr(v) if isinstance(v, str) else str(v) for v in values if v is not None]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


def _values(error: ValidationError) -> list[Any]:
    values: Any = error.validator_value
    return list(values)


def _type(error: ValidationError) -> str:
    declared: Any = error.validator_value
    kinds = [declared] if isinstance(declared, str) else [k for k in declared if k != "null"]
    kind = kinds[0] if kinds else "null"
    if isinstance(error.instance, str) and kind in _UNPARSED:
        return f"Input should be {_TYPE_NAMES[kind]}, {_UNPARSED[kind]}"
    return f"Input should be {_TYPE_NAMES.get(kind, 'valid')}"


def _uuid(value: str) -> str:
    """The uuid parser's complaint, as pydantic relays it."""
    body = value[9:] if value.lower().startswith("urn:uuid:") else value
    for position, char in enumerate(body, start=1):
        if char not in _HEX:
            return ("invalid character: expected an optional prefix of `urn:uuid:` followed by "
                    f"[0-9a-fA-F-], found `{char}` at {position}")
    if "-" not in body:
        return f"invalid length: expected length 32 for simple format, found {len(body)}"
    groups = body.split("-")
    if len(groups) != len(_UUID_GROUPS):
        return f"invalid group count: expected 5, found {len(groups)}"
    for number, (group, wanted) in enumerate(zip(groups, _UUID_GROUPS, strict=True), start=1):
        if len(group) != wanted:
            return (f"invalid group length in group {number}: expected {wanted}, "
                    f"found {len(group)}")
    return "invalid format"


def _datetime(value: str) -> str:
    if re.fullmatch(r"\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d(:\d\d(\.\d+)?)?", value):
        return "Input should have timezone info"
    if len(value) < 10:
        reason = "input is too short"
    elif not value[:4].isdigit():
        reason = "invalid character in year"
    else:
        reason = "unexpected extra characters at the end of the input"
    return f"Input should be a valid datetime or date, {reason}"


def _format(error: ValidationError) -> str:
    if error.validator_value == "uuid":
        return f"Input should be a valid UUID, {_uuid(str(error.instance))}"
    if error.validator_value == "date-time":
        return _datetime(str(error.instance))
    return error.message


def _length(error: ValidationError, limit: str) -> str:
    instance: Any = error.instance
    count, size = error.validator_value, len(instance)
    if isinstance(instance, str):
        return f"String should have {limit} {_plural(count, 'character')}"
    return (f"List should have {limit} {_plural(count, 'item')} after validation, "
            f"not {size}")


_MESSAGES: dict[str, Callable[[ValidationError], str]] = {
    "required": lambda e: FIELD_REQUIRED,
    "type": _type,
    "minimum": lambda e: f"Input should be greater than or equal to {_number(e.validator_value)}",
    "exclusiveMinimum": lambda e: f"Input should be greater than {_number(e.validator_value)}",
    "maximum": lambda e: f"Input should be less than or equal to {_number(e.validator_value)}",
    "exclusiveMaximum": lambda e: f"Input should be less than {_number(e.validator_value)}",
    "minLength": lambda e: _length(e, "at least"),
    "maxLength": lambda e: _length(e, "at most"),
    "minItems": lambda e: _length(e, "at least"),
    "maxItems": lambda e: _length(e, "at most"),
    "pattern": lambda e: f"String should match pattern '{e.validator_value}'",
    "enum": lambda e: f"Input should be {_choices(_values(e))}",
    "const": lambda e: f"Input should be {_choices([e.validator_value])}",
    "multipleOf": lambda e: f"Input should be a multiple of {_number(e.validator_value)}",
    "additionalProperties": lambda e: "Extra inputs are not permitted",
    "format": _format,
    "minProperties": lambda e: value_error(
        f"at least {_plural(e.validator_value, 'field')} must be given"),
}


def pydantic_message(error: ValidationError) -> str:
    """The message pydantic gives for the failure jsonschema found."""
    render = _MESSAGES.get(str(error.validator))
    return render(error) if render else error.message
