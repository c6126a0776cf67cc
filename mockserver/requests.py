"""Turn an HTTP request into typed, validated inputs using an operation's spec.

Query strings carry only text, so each value is coerced by its declared schema type
first (repeated keys for arrays, lowercase ``true``/``false`` for booleans), then the
compiled validator judges it. Every problem becomes one ``details`` item.

Bodies are JSON in the strict sense (RFC 8259): only ``application/json`` or a ``+json``
media type, no ``NaN``/``Infinity``, numbers a double can hold, integers of at most 40
digits, bounded nesting and size. Anything else is a 422, so
nothing a client sends can be stored in a form that cannot be sent back as JSON.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import ValidationError
from werkzeug.datastructures import Headers, MultiDict

from .errors import Detail, ValidationFailed, excerpt
from .limits import MAX_BODY_VALUES, MAX_DEPTH, shape_problem
from .spec import Operation, Parameter, schema_type
from .validation_messages import (
    FIELD_REQUIRED,
    JSON_INVALID,
    STRING_UNICODE,
    pydantic_message,
)

# ASCII digits only (`\d` matches fullwidth and other Unicode digits), and few enough of
# them that int() stays cheap; longer strings stay text and fail the type check.
_INTEGER = re.compile(r"^[+-]?[0-9]{1,30}$")
_NUMBER = re.compile(r"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$")
_JSON_MEDIA = re.compile(r"^application/(json|[a-z0-9.!#$&^_-]+\+json)$")
_MISSING = object()
_SURROGATE = re.compile("[\ud800-\udfff]")
# Where a body can carry a surrogate after strict decoding: a \uD800-\uDFFF escape
# (most bodies have none, so the decoded value is walked only when one is there).
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
# Integers with more digits than any 128-bit value are refused before int() sees them
# (thousands of digits are slow, or a ValueError, to convert). Where a number means
# something, openapi.yaml or the node catalog bounds it; free-form values are kept as sent.
MAX_INTEGER_DIGITS = 40
MAX_MESSAGE = 300


@dataclass(frozen=True)
class ParsedInput:
    path: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, Any]
    body: Any  # None when no body was sent
    raw_text: str = ""  # the body as sent, for handlers that re-parse it (line numbers)
    raw_bytes: bytes = b""  # the same bytes undecoded (an uploaded file)


def coerce(text: str, schema: Mapping[str, Any], kind: str | None = None) -> Any:
    """Best-effort conversion of query text to the declared type (``kind``, when already
    known, else the schema's); leave it if it won't fit."""
    kind = kind or schema_type(dict(schema))
    if kind == "integer" and _INTEGER.match(text):
        return int(text)
    if kind == "number" and _NUMBER.match(text):
        value = float(text) if not _INTEGER.match(text) else int(text)
        return value if math.isfinite(value) else text
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _raw_value(param: Parameter, path: Mapping[str, str], query: MultiDict[str, str],
               headers: Headers) -> Any:
    if param.location == "path":
        return path.get(param.name, _MISSING)
    if param.location == "header":
        return headers.get(param.name, _MISSING)
    if param.is_array:
        values = query.getlist(param.name)
        return [coerce(v, param.schema.get("items", {})) for v in values] if values else _MISSING
    values = query.getlist(param.name)
    if len(values) > 1:  # a repeated scalar: keep them all so validation reports it
        return [coerce(v, param.schema, param.kind) for v in values]
    return coerce(values[0], param.schema, param.kind) if values else _MISSING


def _check_parameter(param: Parameter, value: Any) -> Iterable[Detail]:
    if value is _MISSING:
        if param.required:
            yield Detail(param.name, FIELD_REQUIRED, "required")
        return
    key = _value_key(value)
    if key is not None and key in param.known_valid:
        return
    details = [_detail(param.name, _specific(error))
               for error in param.validator.iter_errors(value)]
    if not details and key is not None:
        if len(param.known_valid) >= _KNOWN_VALID_LIMIT:
            param.known_valid.clear()
        param.known_valid[key] = True
    yield from details


_KNOWN_VALID_LIMIT = 1024
_SCALARS = (str, int, float, bool, type(None))


def _value_key(value: Any) -> Any:
    """A hashable key telling values apart by type too (``1`` is not ``True``); None when
    the value is not a scalar or a list of scalars (then it is simply validated)."""
    if isinstance(value, _SCALARS):
        return (type(value), value)
    if isinstance(value, list) and all(isinstance(v, _SCALARS) for v in value):
        return (list, tuple((type(v), v) for v in value))
    return None


def _detail(field: str, error: ValidationError) -> Detail:
    return Detail(field, capped(pydantic_message(error)), str(error.validator))


def capped(message: str) -> str:
    """pydantic's wording quotes schema values, not the client's: only cap the length."""
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


def error_field(error: ValidationError, prefix: str = "") -> str:
    """Dotted location of a schema error; for ``required``, the missing key itself."""
    parts = [prefix] if prefix else []
    for step in error.absolute_path:
        if isinstance(step, int):
            parts[-1:] = [f"{parts[-1] if parts else ''}[{step}]"]
        else:
            parts.append(str(step))
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = _missing_key(error, error.instance)
        if missing is not None:
            parts.append(missing)
    return ".".join(parts) or "body"


def _missing_key(error: ValidationError, instance: dict[str, Any]) -> str | None:
    """The key one ``required`` error is about: jsonschema raises one error per missing key
    and names it only in its message, so each detail must find its own key there (taking
    the first missing key for every error named one field several times)."""
    required = error.validator_value if isinstance(error.validator_value, list) else []
    missing = [str(k) for k in required if k not in instance]
    named = [k for k in missing if error.message == f"{k!r} is a required property"]
    found = named or missing
    return found[0] if found else None


def _specific(error: ValidationError) -> ValidationError:
    """For anyOf/oneOf failures (e.g. nullable refs), the error inside the closest branch."""
    if error.validator not in ("anyOf", "oneOf") or not error.context:
        return error
    candidates = [e for e in error.context if not (e.validator == "type"
                                                   and e.validator_value == "null")]
    if not candidates:
        return error
    deepest = max(candidates, key=lambda e: len(e.absolute_path))
    return _specific(deepest)


def is_json_media(content_type: str | None) -> bool:
    media = (content_type or "").split(";")[0].strip().lower()
    return bool(_JSON_MEDIA.match(media))


class _NotIJson(ValueError):
    """A number JSON can write but not every reader can read back."""


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as inf
        raise _NotIJson(f"{excerpt(text, 24)} is too large for a JSON number")
    return value


def _safe_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _NotIJson(f"{excerpt(text, 24)} has more than {MAX_INTEGER_DIGITS} digits")
    return int(text)


def _no_constant(name: str) -> Any:
    raise _NotIJson(f"{name} is not a JSON number")


def _text(raw: bytes) -> str:
    r"""The body as text, in the encoding JSON's first bytes show (UTF-8, or UTF-16/32 as
    ``json.loads`` accepts them), decoded strictly: surrogates encoded as UTF-8 (CESU-8,
    ``\xed\xa0\x80``) are not Unicode text, where ``json.loads`` of bytes would let them in."""
    try:
        return raw.decode(json.detect_encoding(raw))
    except UnicodeDecodeError as exc:
        raise ValidationFailed("Request body is not valid JSON", [
            Detail("body", f"{JSON_INVALID}: {exc.reason} at byte {exc.start}", "json")
        ]) from exc


def _lone_surrogate(value: Any) -> bool:
    r"""True when a key or string holds a surrogate (``"\ud800"`` escaped alone): text that
    no UTF-8 answer can carry back. Iterative; the caller has bounded the walk."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _decode(raw: bytes) -> Any:
    text = _text(raw)
    try:
        value = json.loads(text, parse_float=_finite_float, parse_int=_safe_int,
                           parse_constant=_no_constant)
    except _NotIJson as exc:
        raise ValidationFailed("Request body is not valid JSON",
                               [Detail("body", str(exc), "json")]) from exc
    except RecursionError as exc:
        raise _out_of_bounds(f"values may nest at most {MAX_DEPTH} levels deep") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("Request body is not valid JSON",
                               [Detail("body", JSON_INVALID, "json")]) from exc
    if _ESCAPED_SURROGATE.search(text) and _lone_surrogate(value):
        raise ValidationFailed("Request body is not valid JSON", [
            Detail("body", f"{STRING_UNICODE}: a lone surrogate escape", "json")])
    return value


def _out_of_bounds(problem: str) -> ValidationFailed:
    return ValidationFailed("Request body is out of bounds", [Detail("body", problem, "bounds")])


def parse_body(raw: bytes, content_type: str | None) -> tuple[Any, bool]:
    """Decode a JSON body; an empty body (even with a JSON content type) is no body, one of
    only whitespace is invalid JSON (as the API's JSON parser says)."""
    if not raw:
        return None, False
    if content_type and not is_json_media(content_type):
        raise ValidationFailed(
            "Request body must be JSON",
            [Detail("body", "expected application/json", "content_type")]
        )
    body = _decode(raw)
    problem = shape_problem(body, MAX_BODY_VALUES)
    if problem:
        raise _out_of_bounds(problem)
    return body, True


def parse_request(operation: Operation, path: Mapping[str, str], query: MultiDict[str, str],
                  headers: Headers, raw_body: bytes,
                  content_type: str | None) -> ParsedInput:
    details: list[Detail] = []
    values: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "header": {}}
    for param in operation.parameters:
        value = _raw_value(param, path, query, headers)
        details.extend(_check_parameter(param, value))
        if value is _MISSING and "default" in param.schema:
            value = param.schema["default"]
        if value is not _MISSING:
            values[param.location][param.name] = value
    body = _checked_body(operation, raw_body, content_type, details)
    if details:
        raise ValidationFailed("Request validation failed", details)
    return ParsedInput(
        path=values["path"],
        query=values["query"],
        headers=values["header"],
        body=body,
        raw_text=raw_body.decode("utf-8", errors="replace"),
        raw_bytes=raw_body,
    )


def _checked_body(operation: Operation, raw_body: bytes, content_type: str | None,
                  details: list[Detail]) -> Any:
    media = (content_type or "").split(";")[0].strip().lower()
    if media in operation.raw_body_types:
        if not raw_body.strip() and operation.body_required:
            details.append(Detail("body", FIELD_REQUIRED, "required"))
        return raw_body.decode("utf-8", errors="replace")
    if operation.body_validator is None:
        return None
    body, sent = parse_body(raw_body, content_type)
    if not sent:
        if operation.body_required:
            details.append(Detail("body", FIELD_REQUIRED, "required"))
        return None
    errors = sorted(operation.body_validator.iter_errors(body), key=lambda e: list(e.path))
    details.extend(_detail(error_field(e), e) for e in map(_specific, errors))
    return body
