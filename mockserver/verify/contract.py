"""What openapi.yaml promises per operation, in the form the checks ask for it.

Built on ``mockserver.spec.Spec`` (the same compiled validators the mock uses), so a
response is judged by exactly the rules the mock is held to, ``date-time`` with an
offset included. Every schema error is reported, not only the first, each with the
component it broke (``#/components/schemas/WorkflowListItem/required``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import ValidationError

from ..spec import Operation, Spec


@dataclass(frozen=True)
class SchemaProblem:
    where: str  # JSON path inside the body, e.g. $.data[0].runs_count
    schema_path: str
    message: str


@dataclass(frozen=True)
class Link:
    name: str
    operation_id: str
    parameters: dict[str, str]  # parameter name -> runtime expression


@dataclass(frozen=True)
class PageRules:
    """The bounds of an operation's ``offset`` and ``limit`` parameters."""

    limit_min: int
    limit_max: int
    limit_default: int
    offset_default: int


class Contract:
    def __init__(self, spec_path: Path) -> None:
        self.spec = Spec.load(spec_path)
        # The same contract with every object closed, to spot keys the spec does not know.
        closed = Spec(_closed(copy.deepcopy(self.spec.document)), spec_path)
        self._closed = {o.operation_id: o for o in closed.operations}
        self.by_label = {f"{o.method} {o.path}": o for o in self.spec.operations}
        self.by_id = {o.operation_id: o for o in self.spec.operations}
        self._pointers = _schema_pointers(self.spec.document)
        counts = self.spec.resolve({"$ref": "#/components/schemas/RunStatusCounts"})
        self.run_statuses = tuple(counts.get("properties", {}))

    # -- statuses and media types ------------------------------------------------------

    def responses(self, op: Operation) -> dict[str, Any]:
        return {str(code): self.spec.resolve(r) for code, r in op.raw.get("responses", {}).items()}

    def response_for(self, op: Operation, status: int) -> dict[str, Any] | None:
        """The documented response for a status (exact code, then ``4XX``, then default)."""
        declared = self.responses(op)
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in declared:
                found: dict[str, Any] = declared[key]
                return found
        return None

    def media_types(self, op: Operation, status: int) -> tuple[str, ...]:
        response = self.response_for(op, status) or {}
        return tuple(response.get("content", {}))

    # -- schemas -------------------------------------------------------------------------

    def schema_problems(self, op: Operation, status: int, body: Any) -> list[SchemaProblem]:
        validator = op.response_validators.get(status)
        if validator is None:
            return []
        errors = sorted(validator.iter_errors(body), key=lambda e: list(map(str, e.path)))
        return [self._problem(error) for error in errors]

    def renamed_fields(self, op: Operation, status: int, body: Any) -> list[SchemaProblem]:
        """Objects that miss a documented property *and* carry an undocumented key: the
        usual trace of a renamed field (extra keys alone are allowed: objects are open)."""
        validator = self._closed[op.operation_id].response_validators.get(status)
        if validator is None:
            return []
        found = []
        for error in validator.iter_errors(body):
            if error.validator != "unevaluatedProperties" or not isinstance(error.instance, dict):
                continue
            documented = list(error.schema.get("properties") or {})
            required = set(error.schema.get("required") or ())
            missing = [name for name in documented if name not in error.instance]
            unknown = sorted(k for k in error.instance if k not in documented)
            # A missing *required* field is reported (with this hint) by schema_problems.
            if missing and unknown and not required.intersection(missing):
                found.append(SchemaProblem(error.json_path, "", (
                    f"undocumented {unknown} while documented {missing} are missing "
                    "(a renamed field?)")))
        return found

    def _problem(self, error: ValidationError) -> SchemaProblem:
        base = self._pointers.get(id(error.schema), "")
        schema_path = f"{base}/{error.validator}" if base else "/".join(
            map(str, error.schema_path))
        return SchemaProblem(error.json_path, schema_path, _explain(error))

    # -- links and pages -----------------------------------------------------------------

    def links(self, op: Operation) -> list[Link]:
        found = []
        for code, response in self.responses(op).items():
            if not code.startswith("2"):
                continue
            for name, link in (response.get("links") or {}).items():
                found.append(Link(name, str(link["operationId"]),
                                  {str(k): str(v) for k, v in link.get("parameters", {}).items()}))
        return found

    def page_rules(self, op: Operation) -> PageRules | None:
        """Bounds for a paginated operation (one with ``offset`` and ``limit``), else None."""
        params = {p.name: p for p in op.parameters if p.location == "query"}
        if "limit" not in params or "offset" not in params:
            return None
        limit, offset = params["limit"].schema, params["offset"].schema
        return PageRules(limit_min=int(limit.get("minimum", 1)),
                         limit_max=int(limit.get("maximum", 2**31)),
                         limit_default=int(limit.get("default", limit.get("maximum", 20))),
                         offset_default=int(offset.get("default", 0)))


def _explain(error: ValidationError) -> str:
    """The validator's message, sharpened for the drifts people actually meet."""
    if error.validator == "format" and error.validator_value == "date-time":
        return f"{error.instance!r} is not a date-time with a UTC offset (RFC 3339)"
    if error.validator == "required" and isinstance(error.instance, dict):
        known = set((error.schema.get("properties") or {}) if isinstance(error.schema, dict)
                    else ())
        unknown = sorted(k for k in error.instance if k not in known)
        if unknown:
            return (f"{error.message}; the object has undocumented keys {unknown} "
                    "(a renamed field?)")
    return error.message


def _closed(document: dict[str, Any]) -> dict[str, Any]:
    """Add ``unevaluatedProperties: false`` to every object schema with properties."""

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict):
                node.setdefault("unevaluatedProperties", False)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document.get("components", {}).get("schemas", {}))
    return document


def _schema_pointers(document: dict[str, Any]) -> dict[int, str]:
    """Every dict under ``components/schemas`` by identity -> its JSON pointer, so a
    validation error can name the component it came from."""
    pointers: dict[int, str] = {}

    def walk(node: Any, pointer: str) -> None:
        if isinstance(node, dict):
            pointers.setdefault(id(node), pointer)
            for key, value in node.items():
                walk(value, f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{pointer}/{index}")

    walk(document.get("components", {}).get("schemas", {}), "#/components/schemas")
    return pointers
