"""create_app fails at startup, naming the file and the place, instead of on a request."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskClient
from support import DEMO_KEY, bearer, make_settings

from mockserver.app import create_app, mock_of
from mockserver.errors import StartupError
from mockserver.handlers import merge_tables, operations
from mockserver.handlers.base import Reply, RequestContext
from mockserver.settings import DEFAULT_SPEC


def _spec_copy(tmp_path: Path, mutate: object) -> Path:
    document = yaml.safe_load(DEFAULT_SPEC.read_text())
    mutate(document)  # type: ignore[operator]
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(document))
    return path


def test_operation_without_handler_stops_startup(tmp_path: Path) -> None:
    """A new operation in the spec with no handler is named at startup."""
    def add(document: dict) -> None:  # type: ignore[type-arg]
        document["paths"]["/api/v1/brand-new"] = {"get": {
            "operationId": "brand_new_thing", "responses": {"200": {"description": "ok"}}}}

    with pytest.raises(StartupError, match="brand_new_thing"):
        create_app(make_settings(spec_path=_spec_copy(tmp_path, add)))


def test_operation_without_id_stops_startup(tmp_path: Path) -> None:
    """An operation missing its operationId is reported with its method and path."""
    def strip(document: dict) -> None:  # type: ignore[type-arg]
        del document["paths"]["/api/v1/nodes"]["get"]["operationId"]

    with pytest.raises(StartupError, match=r"GET /api/v1/nodes.*operationId"):
        create_app(make_settings(spec_path=_spec_copy(tmp_path, strip)))


def test_dangling_ref_stops_startup(tmp_path: Path) -> None:
    """A $ref that points nowhere is reported with the file name."""
    def break_ref(document: dict) -> None:  # type: ignore[type-arg]
        document["paths"]["/api/v1/nodes"]["get"]["parameters"] = [
            {"$ref": "#/components/parameters/Missing"}]

    path = _spec_copy(tmp_path, break_ref)
    with pytest.raises(StartupError, match=str(path)):
        create_app(make_settings(spec_path=path))


@pytest.mark.parametrize("text", ["", "not: [a, spec", "paths: 3\n"])
def test_unreadable_spec_stops_startup(tmp_path: Path, text: str) -> None:
    """A spec that is empty, not YAML, or not OpenAPI stops create_app naming the file."""
    path = tmp_path / "openapi.yaml"
    path.write_text(text)
    with pytest.raises(StartupError, match=str(path)):
        create_app(make_settings(spec_path=path))


def test_missing_fixtures_file_stops_startup(tmp_path: Path) -> None:
    """A fixtures path that does not exist is named."""
    path = tmp_path / "nope.yaml"
    with pytest.raises(StartupError, match=str(path)):
        create_app(make_settings(fixtures_path=path))


def test_every_spec_operation_has_a_handler() -> None:
    """The packaged spec and the handler registry cover each other exactly."""
    app = create_app(make_settings())
    spec = mock_of(app).spec
    admin = mock_of(app).admin_spec
    declared = {op.operation_id for op in (*spec.operations, *admin.operations)}
    assert declared == set(operations())


def _answer(ctx: RequestContext) -> Reply:
    return Reply({})


def test_two_handlers_for_one_operation_stop_startup() -> None:
    """An operationId claimed by two handler modules is refused, naming both modules."""
    tables = {"mockserver.handlers.runs": {"get_run": _answer},
              "mockserver.handlers.extra": {"get_run": _answer}}
    with pytest.raises(StartupError, match=r"get_run: mockserver\.handlers\.runs and "
                                           r"mockserver\.handlers\.extra"):
        merge_tables(tables)


def test_admin_api_can_be_turned_off() -> None:
    """With admin_enabled off, /__mock/ routes do not exist."""
    client = create_app(dataclasses.replace(make_settings(), admin_enabled=False)).test_client()
    assert client.get("/__mock/health").status_code == 404


def test_unknown_node_type_is_404(client: FlaskClient) -> None:
    """Node detail of a type the catalog does not have is 404, not a validation error."""
    response = client.get("/api/v2/nodes/operator_teleporter", headers=bearer(DEMO_KEY))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.parametrize(("change", "named"), [
    (lambda enum: enum.remove("sink_preview"), r"only in the catalog: \['sink_preview'\]"),
    (lambda enum: enum.append("operator_teleporter"),
     r"only in the spec: \['operator_teleporter'\]"),
    (lambda enum: enum.append("decision_score_router"),
     r"only in the spec: \['decision_score_router'\]"),
])
def test_node_type_enum_must_mirror_the_catalog(tmp_path: Path, change: object,
                                                named: str) -> None:
    """GraphNode.type's NodeType enum names exactly the catalog's placeable node types (a
    preview node is not one): a spec that drifts from the catalog does not start."""
    def mutate(document: dict) -> None:  # type: ignore[type-arg]
        change(document["components"]["schemas"]["NodeType"]["enum"])  # type: ignore[operator]

    with pytest.raises(StartupError, match=named):
        create_app(make_settings(spec_path=_spec_copy(tmp_path, mutate)))


def test_a_log_later_than_the_starting_clock_stops_startup(tmp_path: Path) -> None:
    """Replaying changes recorded after the instant the clock would start at is refused:
    the records would read times after "now"; the same events on a later clock start."""
    from datetime import timedelta

    from support import FROZEN_AT

    recorder = create_app(make_settings())
    client = recorder.test_client()
    rows = client.get("/api/v1/workflows?status=completed&limit=1",
                      headers=bearer(DEMO_KEY)).get_json()["data"]
    copy = client.post(f"/api/v1/workflows/{rows[0]['id']}/duplicate", headers=bearer(DEMO_KEY))
    assert copy.status_code == 201
    events = tmp_path / "events.json"
    events.write_text(json.dumps(client.get("/__mock/events").get_json()["data"]))
    earlier = make_settings(frozen_at=FROZEN_AT - timedelta(days=1), replay_path=events)
    with pytest.raises(StartupError, match="before the latest change in the state log"):
        create_app(earlier)
    assert create_app(make_settings(replay_path=events)) is not None
