"""Load openapi.yaml once and compile it into ``Operation`` objects.

Everything the server knows about paths, parameters, bodies, enums, limits and
per-operation auth comes from here; validators are compiled at startup so the
request path never touches the raw document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .errors import StartupError
from .formats import FORMAT_CHECKER

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
# The keys of an object schema whose properties can be checked one by one (nothing in it
# that relates them, and no reference relative to it).
_PLAIN_OBJECT = frozenset({"type", "required", "properties", "description"})
_PARAM_IN_PATH = re.compile(r"{([^}]+)}")


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str  # path | query | header
    required: bool
    schema: dict[str, Any]  # fully dereferenced at the top level (type/items known)
    validator: Draft202012Validator
    # Values already found valid (keyed by type and value): the same ids and limits come
    # again and again, and jsonschema was a tenth of a read's time. Bounded by requests.py.
    known_valid: dict[Any, bool] = field(default_factory=dict, compare=False, repr=False)

    @cached_property  # asked on every request that could carry the parameter
    def kind(self) -> str | None:
        """The parameter's non-null JSON type."""
        return schema_type(self.schema)

    @property
    def is_array(self) -> bool:
        return self.kind == "array"


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    parameters: tuple[Parameter, ...]
    body_validator: Draft202012Validator | None
    body_required: bool
    raw_body_types: tuple[str, ...]  # non-JSON media types handed to the handler as text
    success_status: int
    response_validators: dict[int, Draft202012Validator]
    # Per status whose body is a ``{data, meta[, pagination]}`` envelope: its schema with
    # ``data`` accepting anything (strict mode checks a kept ``data`` once, the rest always).
    envelope_validators: dict[int, Draft202012Validator]
    security: tuple[str, ...]  # accepted scheme names; empty = public
    scope: str | None
    min_role: str | None
    workspace: str | None  # "required" | "optional" | "path" | None
    raw: dict[str, Any] = field(repr=False, compare=False)
    # Status for a member whose role is below min_role: 403, or 404 where the API hides
    # the workspace from them as from a stranger (x-onepin-role-refusal).
    role_refusal: int = 403

    @property
    def flask_rule(self) -> str:
        return _PARAM_IN_PATH.sub(r"<\1>", self.path)

    @property
    def is_public(self) -> bool:
        return not self.security


def schema_type(schema: dict[str, Any]) -> str | None:
    """The non-null JSON type of a schema (``["string", "null"]`` -> ``string``)."""
    declared = schema.get("type")
    if isinstance(declared, list):
        non_null = [t for t in declared if t != "null"]
        return non_null[0] if non_null else None
    return declared if isinstance(declared, str) else None


class Spec:
    """A loaded OpenAPI document plus the operations compiled from it."""

    BASE_URI = "urn:onepin-mock:openapi"

    def __init__(self, document: dict[str, Any], source: Path) -> None:
        self.document = document
        self.source = source
        resource = Resource.from_contents(document, default_specification=DRAFT202012)
        self.registry: Registry[Any] = Registry().with_resource(self.BASE_URI, resource)
        self.operations = tuple(self._compile_operations())

    @classmethod
    def load(cls, path: Path) -> Spec:
        try:
            # libyaml's C parser when PyYAML has it (its wheels do): the spec is large, and
            # the pure-Python parser was most of the startup time.
            document = yaml.load(path.read_text(encoding="utf-8"),
                                 Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except (OSError, yaml.YAMLError) as exc:
            raise StartupError(f"{path}: cannot read the OpenAPI document: {exc}") from exc
        if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
            raise StartupError(f"{path}: not an OpenAPI document (no 'paths' mapping)")
        return cls(document, path)

    # -- lookup helpers -------------------------------------------------------

    def resolve(self, node: Any) -> Any:
        """Follow local ``$ref`` pointers until a concrete node is reached."""
        seen: set[str] = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/") or ref in seen:
                raise StartupError(f"{self.source}: unsupported or circular $ref {ref!r}")
            seen.add(ref)
            node = self._pointer(ref)
        return node

    def _pointer(self, ref: str) -> Any:
        node: Any = self.document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            try:
                node = node[part]
            except (KeyError, TypeError) as exc:
                raise StartupError(f"{self.source}: $ref {ref!r} points nowhere") from exc
        return node

    def validator_at(self, pointer: str) -> Draft202012Validator:
        """A validator for the schema at a JSON pointer, with refs resolving in the document."""
        return Draft202012Validator(
            {"$ref": f"{self.BASE_URI}#{pointer}"},
            registry=self.registry,
            format_checker=FORMAT_CHECKER,
        )

    def schema_validator(self, name: str) -> Draft202012Validator:
        return self.validator_at(f"/components/schemas/{name}")

    # -- compilation ----------------------------------------------------------

    def _compile_operations(self) -> list[Operation]:
        compiled = []
        for path, item in self.document["paths"].items():
            if not isinstance(item, dict):
                raise StartupError(f"{self.source}: paths.{path} must be a mapping")
            for method in HTTP_METHODS:
                if method in item:
                    where = f"{self.source}: {method.upper()} {path}"
                    compiled.append(self._compile_one(path, method, item, where))
        return compiled

    def _compile_one(self, path: str, method: str, item: dict[str, Any], where: str) -> Operation:
        raw = item[method]
        operation_id = raw.get("operationId")
        if not operation_id:
            raise StartupError(f"{where}: operation has no operationId")
        pointer = "/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method
        item_pointer = pointer.rsplit("/", 1)[0]
        declared = [
            (f"{item_pointer}/parameters/{i}", p) for i, p in enumerate(item.get("parameters", []))
        ] + [(f"{pointer}/parameters/{i}", p) for i, p in enumerate(raw.get("parameters", []))]
        params = self._parameters(declared, where)
        body_validator, body_required = self._body(raw, pointer)
        content = self.resolve(raw.get("requestBody", {})).get("content", {})
        raw_types = tuple(t for t in content if "json" not in t)
        security = raw.get("security", self.document.get("security", []))
        return Operation(
            operation_id=operation_id,
            method=method.upper(),
            path=path,
            parameters=params,
            body_validator=body_validator,
            body_required=body_required,
            raw_body_types=raw_types,
            success_status=self._success_status(raw, where),
            response_validators=self._responses(raw, pointer),
            envelope_validators=self._envelopes(raw, pointer),
            security=tuple(name for requirement in security for name in requirement),
            scope=raw.get("x-onepin-scope"),
            min_role=raw.get("x-onepin-min-role"),
            workspace=raw.get("x-onepin-workspace"),
            raw=raw,
            role_refusal=int(raw.get("x-onepin-role-refusal", 403)),
        )

    def _parameters(self, declared: list[tuple[str, Any]], where: str) -> tuple[Parameter, ...]:
        params: dict[tuple[str, str], Parameter] = {}
        for pointer, entry in declared:
            if isinstance(entry, dict) and "$ref" in entry:
                pointer = entry["$ref"][1:]
            param = self.resolve(entry)
            schema = self.resolve(param.get("schema", {}))
            if "items" in schema:
                schema = {**schema, "items": self.resolve(schema["items"])}
            location = param.get("in")
            if location not in ("path", "query", "header"):
                raise StartupError(f"{where}: parameter {param.get('name')!r} in {location!r}")
            params[(param["name"], location)] = Parameter(
                name=param["name"],
                location=location,
                required=bool(param.get("required", location == "path")),
                schema=schema,
                validator=self.validator_at(f"{pointer}/schema"),
            )
        return tuple(params.values())

    def _body(self, raw: dict[str, Any], pointer: str) -> tuple[Draft202012Validator | None, bool]:
        body = raw.get("requestBody")
        if body is None:
            return None, False
        body = self.resolve(body)
        if "application/json" not in body.get("content", {}):
            return None, bool(body.get("required", False))
        validator = self.validator_at(
            f"{pointer}/requestBody/content/application~1json/schema"
            if "$ref" not in raw["requestBody"]
            else raw["requestBody"]["$ref"][1:] + "/content/application~1json/schema"
        )
        return validator, bool(body.get("required", False))

    @staticmethod
    def _success_status(raw: dict[str, Any], where: str) -> int:
        codes = sorted(int(code) for code in raw.get("responses", {}) if str(code).startswith("2"))
        if not codes:
            raise StartupError(f"{where}: no 2xx response declared")
        return codes[0]

    def _responses(self, raw: dict[str, Any], pointer: str) -> dict[int, Draft202012Validator]:
        return {code: self.validator_at(schema_pointer)
                for code, schema_pointer in self._json_schemas(raw, pointer).items()}

    def _json_schemas(self, raw: dict[str, Any], pointer: str) -> dict[int, str]:
        """Where each declared status's JSON body schema is (a JSON pointer)."""
        found = {}
        for code, response in raw.get("responses", {}).items():
            if not str(code).isdigit():
                continue
            if "$ref" in response:
                base = response["$ref"][1:]
                response = self.resolve(response)
            else:
                base = f"{pointer}/responses/{code}"
            if "application/json" in response.get("content", {}):
                found[int(code)] = f"{base}/content/application~1json/schema"
        return found

    def _envelopes(self, raw: dict[str, Any], pointer: str) -> dict[int, Draft202012Validator]:
        """For each envelope body: the same schema with ``data`` accepting anything, every
        other property still checked where the document declares it."""
        validators = {}
        for code, schema_pointer in self._json_schemas(raw, pointer).items():
            schema = self._pointer("#" + schema_pointer)
            if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
                schema_pointer = schema["$ref"][1:]
                schema = self._pointer(schema["$ref"])  # one step: a ref to a ref is skipped
            if (not isinstance(schema, dict) or not set(schema) <= _PLAIN_OBJECT
                    or "data" not in schema.get("properties", {})):
                continue  # a shape this shortcut does not cover: always checked whole
            properties = {name: {} if name == "data" else
                          {"$ref": f"{self.BASE_URI}#{schema_pointer}/properties/{name}"}
                          for name in schema["properties"]}
            validators[code] = Draft202012Validator(
                {**{k: v for k, v in schema.items() if k != "description"},
                 "properties": properties},
                registry=self.registry, format_checker=FORMAT_CHECKER)
        return validators
