"""Tests of the OpenAPI contract itself (mockserver/openapi.yaml).

They check that the document is valid OpenAPI 3.1, that every operation carries the
metadata the server relies on, that examples match their schemas, and that component
schemas named after SDK models stay in step with the official SDK (``onepin``).
"""

from __future__ import annotations

import typing
import urllib.parse
from functools import cache
from pathlib import Path
from typing import Any

import onepin.types as sdk_types
import pydantic
import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).parents[2] / "mockserver" / "openapi.yaml"
SPEC_URI = "urn:onepin-mock:openapi"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
TAGS = {"workflows", "runs", "nodes", "voices", "providers", "uploads", "auth", "ops", "users",
        "usage", "workspaces", "workspace", "workspace_members", "templates", "dictionary"}
ROLES = {"viewer", "editor", "admin"}
# The caller's own account: any credential, no scope, a workspace only if one is sent.
PER_USER = {"whoami", "get_my_credits", "get_my_plan_limits",
            "get_current_notification_preferences", "update_current_notification_preferences"}
# Operations that also work without a workspace besides those: the template gallery reads
# and favorites (the SDK: they do not require X-Workspace-Id).
GALLERY = {"list_templates", "get_template", "estimate_template", "favorite_template",
           "unfavorite_template"}
REQUIRED_VERSION_HEADER = "X-OnePin-Required-Version"
# SDK models that exist only because Fern splits a discriminated union; the spec
# describes the same shapes under the names the API itself uses.
SDK_NAME_ALIASES = {
    "NodeDetailOutOptionsValue_Href": "NodeOptionHref",
    "NodeDetailOutOptionsValue_Inline": "NodeOptionInline",
}


def _load_spec() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.safe_load(handle)
    return loaded


SPEC = _load_spec()
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
OPERATIONS = [
    (path, method, item[method])
    for path, item in SPEC["paths"].items()
    for method in HTTP_METHODS
    if method in item
]
OPERATION_IDS = [f"{method.upper()} {path}" for path, method, _ in OPERATIONS]


def _sdk_model(name: str) -> type[pydantic.BaseModel] | None:
    candidate = getattr(sdk_types, name, None)
    if isinstance(candidate, type) and issubclass(candidate, pydantic.BaseModel):
        return candidate
    return None


SDK_BACKED_SCHEMAS = sorted(name for name in SCHEMAS if _sdk_model(name) is not None)


@cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(SPEC, default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return registry


def _pointer(*parts: str) -> str:
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "/" + "/".join(urllib.parse.quote(p, safe="") for p in escaped)


def _validator(*parts: str) -> Draft202012Validator:
    """A validator for the schema at the given location inside the spec document."""
    return Draft202012Validator(
        {"$ref": f"{SPEC_URI}#{_pointer(*parts)}"},
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def _errors(validator: Draft202012Validator, instance: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def _is_authenticated(operation: dict[str, Any]) -> bool:
    return bool(operation.get("security", SPEC.get("security", [])))


def _success_code(operation: dict[str, Any]) -> str:
    codes = [code for code in operation["responses"] if str(code).startswith("2")]
    assert len(codes) == 1, f"expected exactly one 2xx response, got {codes}"
    return str(codes[0])


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def _success_media(operation: dict[str, Any]) -> dict[str, Any]:
    response = _resolve(operation["responses"][_success_code(operation)])
    media: dict[str, Any] = response["content"]["application/json"]
    return media


def _has_sdk_envelope(operation: dict[str, Any]) -> bool:
    ref = _success_media(operation)["schema"].get("$ref", "")
    return _sdk_model(ref.rsplit("/", 1)[-1]) is not None


SDK_ENVELOPED_OPERATIONS = [op for op in OPERATIONS if _has_sdk_envelope(op[2])]
SDK_ENVELOPED_IDS = [f"{method.upper()} {path}" for path, method, _ in SDK_ENVELOPED_OPERATIONS]


def _sdk_fields(model: type[pydantic.BaseModel]) -> dict[str, pydantic.fields.FieldInfo]:
    return {(info.alias or name): info for name, info in model.model_fields.items()}


def _nested_models(annotation: Any) -> typing.Iterator[type[pydantic.BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _nested_models(arg)


def test_spec_passes_openapi_validator() -> None:
    """The document is a valid OpenAPI 3.1 description."""
    assert SPEC["openapi"] == "3.1.0"
    validate(SPEC)


def test_operation_ids_are_unique() -> None:
    """No two operations share an operationId."""
    ids = [op.get("operationId") for _, _, op in OPERATIONS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=OPERATION_IDS)
def test_operation_has_id_tags_and_summary(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    """Every operation has a snake_case operationId, known tags and a summary."""
    operation_id = operation.get("operationId")
    assert operation_id and operation_id == operation_id.lower() and " " not in operation_id
    assert operation.get("tags") and set(operation["tags"]) <= TAGS
    assert operation.get("summary")


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=OPERATION_IDS)
def test_success_example_matches_schema(path: str, method: str, operation: dict[str, Any]) -> None:
    """Every operation's 2xx JSON response has an example that validates against its schema."""
    code = _success_code(operation)
    media = _success_media(operation)
    assert "example" in media, "2xx response lacks an example"
    validator = _validator(
        "paths", path, method, "responses", code, "content", "application/json", "schema"
    )
    assert _errors(validator, media["example"]) == []


@pytest.mark.parametrize(
    ("path", "method", "operation"), SDK_ENVELOPED_OPERATIONS, ids=SDK_ENVELOPED_IDS
)
def test_success_example_parses_with_sdk_model(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    """The SDK model named like the 2xx schema accepts that response's example."""
    media = _success_media(operation)
    model = _sdk_model(media["schema"]["$ref"].rsplit("/", 1)[-1])
    assert model is not None
    model.model_validate(media["example"])


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=OPERATION_IDS)
def test_error_statuses_are_declared(path: str, method: str, operation: dict[str, Any]) -> None:
    """Authenticated operations declare 400/401/403/404/422/426; every operation declares 426."""
    declared = {str(code) for code in operation["responses"]}
    assert "426" in declared
    if _is_authenticated(operation):
        assert {"400", "401", "403", "404", "422", "426"} <= declared
    elif operation.get("parameters"):
        assert "422" in declared


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=OPERATION_IDS)
def test_every_response_advertises_required_version(
    path: str, method: str, operation: dict[str, Any]
) -> None:
    """Success and error responses all declare the X-OnePin-Required-Version header."""
    for code, response in operation["responses"].items():
        headers = _resolve(response).get("headers", {})
        assert REQUIRED_VERSION_HEADER in headers, f"{code} lacks {REQUIRED_VERSION_HEADER}"


@pytest.mark.parametrize(("path", "method", "operation"), OPERATIONS, ids=OPERATION_IDS)
def test_authorization_metadata(path: str, method: str, operation: dict[str, Any]) -> None:
    """Authenticated operations carry scope/role/workspace extensions and say where the
    workspace comes from: the header (required/optional), the path, or nowhere."""
    if not _is_authenticated(operation):
        assert operation.get("security") == []
        return
    scopes = set(typing.get_args(typing.get_args(sdk_types.ApiKeyScope)[0]))
    scope = operation.get("x-onepin-scope")
    session_only = operation.get("security") == [{"SessionAuth": []}]
    if operation["operationId"] in PER_USER | {"get_node_detail"} or session_only:
        assert scope is None  # no API key reaches it, so no scope could let one in
    else:
        assert scope in scopes
    workspace = operation.get("x-onepin-workspace")
    refs = {param.get("$ref") for param in operation.get("parameters", [])}
    if "{workspace_id}" in path:
        # The workspace is the path's: the authenticator checks membership
        # (`x-onepin-workspace: path`), or the handler does (sessions only).
        assert workspace == "path" or (workspace is None and session_only)
    elif workspace is None:
        assert session_only and "x-onepin-min-role" not in operation
        return
    else:
        expected = "optional" if operation["operationId"] in PER_USER | GALLERY else "required"
        assert workspace == expected
        assert "#/components/parameters/WorkspaceHeader" in refs
    assert operation.get("x-onepin-min-role") in ROLES
    assert operation.get("x-onepin-role-refusal", 403) in (403, 404)


def test_error_response_examples_match_error_schema() -> None:
    """Each reusable error response uses ApiErrorResponse and its example validates."""
    for name, response in SPEC["components"]["responses"].items():
        media = response["content"]["application/json"]
        assert media["schema"] == {"$ref": "#/components/schemas/ApiErrorResponse"}, name
        validator = _validator(
            "components", "responses", name, "content", "application/json", "schema"
        )
        assert _errors(validator, media["example"]) == [], name


def test_sdk_backed_schemas_are_found() -> None:
    """Component schemas are named after SDK models, so the drift checks below have work to do."""
    assert len(SDK_BACKED_SCHEMAS) >= 90
    for name in (
        "WorkflowOut",
        "WorkflowRunDetailOut",
        "WorkflowRunDataOut",
        "NodeDetailOut",
        "Meta",
    ):
        assert name in SDK_BACKED_SCHEMAS


@pytest.mark.parametrize("schema_name", SDK_BACKED_SCHEMAS)
def test_schema_matches_sdk_model_fields(schema_name: str) -> None:
    """Required set equals the SDK's required fields, and every SDK field is a property."""
    model = _sdk_model(schema_name)
    assert model is not None
    schema = SCHEMAS[schema_name]
    fields = _sdk_fields(model)
    sdk_required = {alias for alias, info in fields.items() if info.is_required()}
    assert set(schema.get("required", [])) == sdk_required
    missing = set(fields) - set(schema.get("properties", {}))
    assert not missing, f"SDK fields missing from the schema: {sorted(missing)}"
    assert "additionalProperties" not in schema or schema["additionalProperties"] is not False


@pytest.mark.parametrize("schema_name", SDK_BACKED_SCHEMAS)
def test_schema_nullability_matches_sdk(schema_name: str) -> None:
    """Optional SDK fields accept null in the schema; required ones reject it."""
    model = _sdk_model(schema_name)
    assert model is not None
    properties = SCHEMAS[schema_name].get("properties", {})
    for alias, info in _sdk_fields(model).items():
        assert alias in properties, f"SDK field {alias} missing from the schema"
        validator = _validator("components", "schemas", schema_name, "properties", alias)
        accepts_null = validator.is_valid(None)
        assert accepts_null is (not info.is_required()), f"{alias}: accepts null = {accepts_null}"


@pytest.mark.parametrize("schema_name", SDK_BACKED_SCHEMAS)
def test_nested_sdk_models_have_schemas(schema_name: str) -> None:
    """Every SDK model nested in a mapped model also has a component schema of its own."""
    model = _sdk_model(schema_name)
    assert model is not None
    for info in model.model_fields.values():
        for nested in _nested_models(info.annotation):
            name = SDK_NAME_ALIASES.get(nested.__name__, nested.__name__)
            assert name in SCHEMAS, f"{nested.__name__} has no component schema"


def test_node_type_enum_matches_sdk() -> None:
    """The NodeType enum lists exactly the SDK's NodeType literal values."""
    literal = typing.get_args(sdk_types.NodeType)[0]
    assert list(SCHEMAS["NodeType"]["enum"]) == list(typing.get_args(literal))


def test_node_type_path_accepts_any_slug() -> None:
    """The node_type path parameter is a free string, so an unknown type reaches the 404."""
    assert SPEC["components"]["parameters"]["NodeTypePath"]["schema"]["type"] == "string"


def test_api_key_scope_enum_matches_sdk() -> None:
    """The ApiKeyScope enum lists exactly the SDK's ApiKeyScope literal values."""
    literal = typing.get_args(sdk_types.ApiKeyScope)[0]
    assert list(SCHEMAS["ApiKeyScope"]["enum"]) == list(typing.get_args(literal))


def test_graph_node_type_is_the_node_type_enum() -> None:
    """Saved graphs declare their node types as the NodeType enum (clients and Schemathesis
    see it); only validate's draft nodes take any string, to report unknown ones."""
    assert SCHEMAS["GraphNode"]["properties"]["type"]["$ref"] == "#/components/schemas/NodeType"
    draft = SCHEMAS["WorkflowValidateIn"]["properties"]["definition"]["$ref"]
    assert draft == "#/components/schemas/WorkflowDefinitionDraft"
    assert SCHEMAS["GraphNodeDraft"]["properties"]["type"]["type"] == "string"
