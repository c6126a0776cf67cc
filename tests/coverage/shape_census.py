"""What a response schema *could* contain, and what the crawled responses *did* contain.

A slot is one thing a client may meet in a response: an optional or nullable property
holding a value, one value of an enum, one branch of an ``anyOf``/``oneOf``, one
documented status of an operation. ``possible_slots`` lists them statically from
openapi.yaml (every schema reachable from a GET response); ``Census.observe`` walks a
real body alongside its schema and records the slots it fills. Schemas are named by
where they live: a component name (``WorkflowRunStepOut``), a dotted path below one
(``WorkflowRunDataCardOut.status``), or ``<operationId> <status>`` for inline schemas.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator

from mockserver.spec import Operation, Spec

KINDS = ("optional", "enum", "branch", "status")
# A null branch (``anyOf: [X, {type: 'null'}]``) is not a branch slot: it is the null side
# of a nullable property, whose slot asks for the non-null side.


@dataclass(frozen=True, order=True)
class Slot:
    kind: str  # one of KINDS
    schema: str  # where the slot lives (see the module docstring)
    item: str  # property name, enum value, branch label, or status code

    def __str__(self) -> str:
        return f"{self.kind}: {self.schema} {self.item}"


def _unescape(part: str) -> str:
    return part.replace("~1", "/").replace("~0", "~")


def _name(pointer: str, operations: dict[str, str]) -> str:
    """A readable name for the schema at a JSON pointer."""
    parts = [_unescape(p) for p in pointer.split("/")[1:]]
    if parts[:2] == ["components", "schemas"]:
        head, rest = parts[2], parts[3:]
    elif parts[:2] == ["components", "responses"]:
        head, rest = f"response {parts[2]}", parts[6:]
    else:
        head, rest = f"{operations.get(f'{parts[1]} {parts[2]}', '?')} {parts[4]}", parts[8:]
    suffix, index = "", 0
    while index < len(rest):
        keyword = rest[index]
        if keyword == "properties":
            suffix += f".{rest[index + 1]}"
            index += 1
        elif keyword in ("anyOf", "oneOf", "allOf"):
            suffix += f"<{rest[index + 1]}>"
            index += 1
        elif keyword == "items":
            suffix += "[]"
        elif keyword == "additionalProperties":
            suffix += "{}"
        index += 1
    return head + suffix


def _is_null(branch: Any) -> bool:
    """``{type: 'null'}``: the nullability of a property, counted by its optional slot."""
    return isinstance(branch, dict) and branch.get("type") == "null"


def _nullable(schema: dict[str, Any]) -> bool:
    declared = schema.get("type")
    if declared == "null" or (isinstance(declared, list) and "null" in declared):
        return True
    if None in (schema.get("enum") or []):
        return True
    return any(isinstance(b, dict) and b.get("type") == "null"
               for b in schema.get("anyOf", []) + schema.get("oneOf", []))


@dataclass
class Census:
    """Walks schemas (statically) and bodies (observed) over one loaded spec."""

    spec: Spec
    seen: set[Slot] = field(default_factory=set)
    _validators: dict[str, Draft202012Validator] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._operations = {
            f"{op.path} {op.method.lower()}": op.operation_id for op in self.spec.operations
        }

    # -- pointers -----------------------------------------------------------------------

    def _at(self, pointer: str) -> Any:
        node: Any = self.spec.document
        for part in pointer.split("/")[1:]:
            node = node[int(part)] if isinstance(node, list) else node[_unescape(part)]
        return node

    def _follow(self, pointer: str) -> tuple[str, dict[str, Any]]:
        node = self._at(pointer)
        while isinstance(node, dict) and "$ref" in node:
            pointer = node["$ref"][1:]
            node = self._at(pointer)
        return pointer, node

    def name(self, pointer: str) -> str:
        return _name(pointer, self._operations)

    def _matches(self, pointer: str, value: Any) -> bool:
        if pointer not in self._validators:
            self._validators[pointer] = self.spec.validator_at(pointer)
        return bool(self._validators[pointer].is_valid(value))

    @staticmethod
    def _branch_label(branch: dict[str, Any], index: int) -> str:
        if "$ref" in branch:
            return str(branch["$ref"]).rsplit("/", 1)[-1]
        declared = branch.get("type")
        return f"{index}:{declared}" if declared else str(index)

    # -- the static universe ------------------------------------------------------------

    def possible(self, pointer: str, visited: set[str] | None = None) -> Iterator[Slot]:
        visited = set() if visited is None else visited
        pointer, schema = self._follow(pointer)
        if pointer in visited or not isinstance(schema, dict):
            return
        visited.add(pointer)
        where = self.name(pointer)
        for value in schema.get("enum") or []:
            if value is not None:
                yield Slot("enum", where, str(value))
        for keyword in ("anyOf", "oneOf"):
            for index, branch in enumerate(schema.get(keyword, [])):
                if not _is_null(branch):
                    yield Slot("branch", where, self._branch_label(branch, index))
                yield from self.possible(f"{pointer}/{keyword}/{index}", visited)
        for index, _ in enumerate(schema.get("allOf", [])):
            yield from self.possible(f"{pointer}/allOf/{index}", visited)
        required = set(schema.get("required", []))
        for prop, sub in (schema.get("properties") or {}).items():
            _, resolved = self._follow(f"{pointer}/properties/{_escape(prop)}")
            if prop not in required or _nullable(resolved) or _nullable(sub):
                yield Slot("optional", where, prop)
            yield from self.possible(f"{pointer}/properties/{_escape(prop)}", visited)
        if isinstance(schema.get("items"), dict):
            yield from self.possible(f"{pointer}/items", visited)
        if isinstance(schema.get("additionalProperties"), dict):
            yield from self.possible(f"{pointer}/additionalProperties", visited)

    # -- what a body shows --------------------------------------------------------------

    def observe(self, pointer: str, value: Any) -> None:
        pointer, schema = self._follow(pointer)
        if not isinstance(schema, dict):
            return
        where = self.name(pointer)
        if value is not None and (schema.get("enum") or []):
            self.seen.add(Slot("enum", where, str(value)))
        for keyword in ("anyOf", "oneOf"):
            for index, branch in enumerate(schema.get(keyword, [])):
                branch_pointer = f"{pointer}/{keyword}/{index}"
                if self._matches(branch_pointer, value):
                    if not _is_null(branch):
                        self.seen.add(Slot("branch", where, self._branch_label(branch, index)))
                    self.observe(branch_pointer, value)
                    break
        for index, _ in enumerate(schema.get("allOf", [])):
            self.observe(f"{pointer}/allOf/{index}", value)
        if isinstance(value, dict):
            self._observe_object(pointer, schema, where, value)
        elif isinstance(value, list) and isinstance(schema.get("items"), dict):
            for item in value:
                self.observe(f"{pointer}/items", item)

    def _observe_object(self, pointer: str, schema: dict[str, Any], where: str,
                        value: dict[str, Any]) -> None:
        properties = schema.get("properties") or {}
        for prop, item in value.items():
            if prop in properties:
                if item is not None:
                    self.seen.add(Slot("optional", where, prop))
                self.observe(f"{pointer}/properties/{_escape(prop)}", item)
            elif isinstance(schema.get("additionalProperties"), dict):
                self.observe(f"{pointer}/additionalProperties", item)

    # -- operations ---------------------------------------------------------------------

    def response_pointer(self, operation: Operation, status: int) -> str | None:
        base = ("/paths/" + _escape(operation.path) + "/" + operation.method.lower()
                + f"/responses/{status}")
        try:
            response_pointer, response = self._follow(base)
        except KeyError:
            return None
        if "application/json" not in (response.get("content") or {}):
            return None
        return f"{response_pointer}/content/application~1json/schema"


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")
