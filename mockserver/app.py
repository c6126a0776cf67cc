"""``create_app(settings)``: build the whole mock from its files, or fail naming the file.

Each app holds its own world, engine, journal and read caches, so tests can build as many
as they like with different settings. What a process shares between its apps: the fork
hook and exit path (``process.py``, installed when first imported), the bound on what is
worked out of runs (``world/runs/record.py``: keyed by run id, so equal seeded runs of two
apps share it), and the write-behind journals of apps on one state file, which write for
each other.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from . import handlers, request_record
from .auth import Authenticator
from .clock import ControllableClock
from .control.canned import CannedBodies
from .control.cors import CorsPolicy, install_cors, is_preflight
from .control.forwarded import RECEIVED_HOST, TrustForwarded
from .docs_site import install_docs_site, is_own_page
from .envelope import new_meta
from .errors import (
    ApiError,
    CatalogError,
    EventFileError,
    Forbidden,
    MisdirectedRequest,
    StartupError,
    StateUrlError,
    error_for_status,
    excerpt,
)
from .errors import MethodNotAllowed as ApiMethodNotAllowed
from .errors import NotFound as ApiNotFound
from .handlers.base import Handler
from .hosts import HostPolicy, split_host_header
from .pipeline import VERSION_HEADER, Pipeline
from .recording.exchange import Exchange, header_environ
from .recording.journal import Journal
from .request_record import RequestRecord
from .settings import Settings
from .spec import Operation, Spec
from .state_backends import OpenedState, open_state
from .wire import Answer, CompactJson, Compressing, render_error
from .world.catalog.catalog import Catalog
from .world.catalog.graph_rules import structural_problems
from .world.dataset.generate import SeededDataset
from .world.events.files import read_events
from .world.service import StateEngine
from .world.service.snapshots import SnapshotKeeper
from .world.state.fixtures import FixtureRules, VoiceVocabulary, load_fixtures
from .world.state.plans import check_plans
from .world.state.store import World

EXTENSION_KEY = "onepin_mock"
access_log = logging.getLogger("onepin_mock.access")
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


@dataclass(frozen=True)
class MockApp:
    """Everything create_app built, held by the Flask app (read it with ``mock_of(app)``)."""

    settings: Settings
    spec: Spec
    admin_spec: Spec
    world: World
    engine: StateEngine  # the door for every state change
    journal: Journal  # what the mock answered, and the API coverage counters
    pipeline: Pipeline
    fixture_rules: FixtureRules
    allow: dict[str, str]  # URL rule endpoint (the spec path) -> its Allow header
    snapshots: SnapshotKeeper  # loads the latest snapshot at startup, writes new ones


class MockFlask(Flask):
    """Flask, without the check for ``async`` views and hooks (none here), which it makes
    for every hook and view of every request; its responses are ``wire.Answer``s."""

    response_class = Answer

    def ensure_sync(self, func: Any) -> Any:
        return func


def mock_of(app: Flask) -> MockApp:
    """The mock behind a Flask app made by ``create_app``."""
    mock = app.extensions.get(EXTENSION_KEY)
    if not isinstance(mock, MockApp):
        raise TypeError("not an app made by mockserver.app.create_app")
    return mock


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings()
    spec = Spec.load(settings.spec_path)
    admin_spec = Spec.load(settings.admin_spec_path)
    catalog = _catalog(settings)
    check_plans()
    _check_node_types(spec, catalog)
    rules = fixture_rules(spec, catalog)
    fixtures = load_fixtures(settings.fixtures_path, rules)
    clock = ControllableClock(settings.frozen_at)
    opened = _open_state(settings)
    world = World(settings, fixtures, catalog, clock, SeededDataset())
    world.fixture_rules = rules
    journal = Journal(opened.requests, settings.journal_size)
    journal.coverage.spec_operations = tuple(op.operation_id for op in spec.operations)
    engine = StateEngine(world, opened.log)
    engine.on_full_reset.append(journal.clear)
    # A durable log starts from its latest snapshot, then applies the events after it.
    keeper = SnapshotKeeper(engine,
                            settings.snapshot_every if opened.log.url != "memory" else 0)
    keeper.restore_latest()
    engine.sync()  # a shared or durable log may already hold events
    if settings.replay_path is not None:
        _replay(engine, settings.replay_path)
    _check_clock_after_log(clock)
    engine.on_sync = keeper.ensure_running
    app = MockFlask("onepin_mock")
    # A path is matched as sent: werkzeug would redirect `/api/v1//workflows` (308, an HTML
    # body) and serve `//files/<token>` as `/files/<token>`; both are 404s in the envelope.
    app.url_map.merge_slashes = False
    pipeline = Pipeline(settings, engine, Authenticator(world, settings.jwt_secret, rules.scopes),
                        CannedBodies(spec, settings.seed), journal)
    operations = list(spec.operations) + [
        op for op in admin_spec.operations
        if settings.admin_enabled or op.raw.get("x-mock-api-surface")]
    allow = _register(app, pipeline, operations, handlers.operations())
    _install_error_pages(app, world)
    install_docs_site(app, spec, settings, fixtures)
    # One hook each way (Flask's per-hook cost is paid on every request): the first
    # before_request hook, so a request refused early has a record too; the last
    # after_request hook to run, so the journal sees the final headers.
    app.after_request(_finish(world, journal, settings))
    app.before_request(_front_door(world, HostPolicy.for_bind(settings.host,
                                                              settings.allowed_hosts)))
    app.teardown_request(_end_record)
    _install_middleware(app, settings)
    install_cors(app, CorsPolicy(settings.cors_origins, settings.cors_allow_null_origin,
                                 settings.cors_allow_credentials),
                 lambda message: render_error(Forbidden(message), new_meta(clock.now())))
    app.extensions[EXTENSION_KEY] = MockApp(settings, spec, admin_spec, world, engine, journal,
                                            pipeline, rules, allow, keeper)
    return app


def _replay(engine: StateEngine, path: Path) -> None:
    try:
        engine.replay(read_events(path))
    except (EventFileError, ValueError) as exc:
        raise StartupError(f"--replay {path}: {exc}") from exc


def _open_state(settings: Settings) -> OpenedState:
    try:
        return open_state(settings.state_url, settings.journal_size)
    except StateUrlError as exc:
        raise StartupError(f"--state: {exc}") from exc


def _catalog(settings: Settings) -> Catalog:
    try:
        return Catalog.load(settings.catalog_path)
    except CatalogError as exc:
        raise StartupError(str(exc)) from exc


def _check_clock_after_log(clock: ControllableClock) -> None:
    """A durable or replayed log may hold changes later than the clock the settings start
    (``--frozen-at``): its records would read times after "now", so refuse to start."""
    latest = clock.floor
    if latest is not None and clock.now() < latest:
        raise StartupError(f"the clock starts at {clock.now().isoformat()}, before the "
                           f"latest change in the state log ({latest.isoformat()}): start "
                           "with a later --frozen-at, or from an empty state")


def _install_middleware(app: Flask, settings: Settings) -> None:
    """WSGI layers around the app: compression outermost (the journal keeps plain bodies),
    then the trusted proxy's host and scheme (so every link is built from them)."""
    if settings.trust_proxy:
        app.wsgi_app = TrustForwarded(app.wsgi_app)  # type: ignore[method-assign]
    if settings.compress_responses:
        app.wsgi_app = Compressing(app.wsgi_app)  # type: ignore[method-assign]


def _check_node_types(spec: Spec, catalog: Catalog) -> None:
    """The spec's NodeType enum (what a graph node's ``type`` may be) must name exactly the
    catalog's placeable node types: the catalog stays the one list, the spec its mirror."""
    schema = spec.document.get("components", {}).get("schemas", {}).get("NodeType", {})
    declared = set(schema.get("enum") or ())
    placeable = {name for name in catalog.node_types() if catalog.placeable(name)}
    if declared != placeable:
        raise StartupError(
            f"{spec.source}: components.schemas.NodeType does not match the node catalog's "
            f"placeable types (only in the spec: {sorted(declared - placeable)}; only in the "
            f"catalog: {sorted(placeable - declared)})")


def fixture_rules(spec: Spec, catalog: Catalog) -> FixtureRules:
    """What fixture records must satisfy, taken from openapi.yaml and the node catalog."""
    schemas = spec.document.get("components", {}).get("schemas", {})
    statuses = tuple(schemas.get("RunStatusCounts", {}).get("properties", {}))
    if not statuses:
        raise StartupError(f"{spec.source}: components.schemas.RunStatusCounts has no properties")

    def check(pointer: str, instance: Any) -> list[tuple[str, str]]:
        schema_name, _, prop = pointer.partition("/properties/")
        if prop not in schemas.get(schema_name, {}).get("properties", {}):
            return [("", f"not a field of {schema_name}")]
        validator = spec.validator_at(f"/components/schemas/{pointer}")
        return [(_suffix(e.absolute_path), e.message) for e in validator.iter_errors(instance)]

    def check_definition(definition: Any) -> list[tuple[str, str]]:
        return [(p.field, p.message) for p in structural_problems(definition, catalog)]

    start_run = next((op for op in spec.operations if op.operation_id == "start_run"), None)
    return FixtureRules(_scope_enum(spec), statuses, check, check_definition,
                        start_run.min_role if start_run else None, _voice_vocabulary(schemas))


def _voice_vocabulary(schemas: dict[str, Any]) -> VoiceVocabulary:
    """The VoiceOut enums workspace voices draw from; "platform" is the catalog's own."""
    def enum(name: str) -> tuple[str, ...]:
        return tuple(schemas.get(name, {}).get("enum") or ())

    return VoiceVocabulary(
        accents=enum("VoiceAccent"),
        sources=tuple(s for s in enum("VoiceSource") if s != "platform"),
        import_states=enum("VoiceImportState"),
        genders=enum("VoiceGender"),
        ages=enum("VoiceAge"),
        categories=enum("VoiceCategory"),
    )


def _suffix(path: Any) -> str:
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)


def _scope_enum(spec: Spec) -> tuple[str, ...]:
    schema = spec.document.get("components", {}).get("schemas", {}).get("ApiKeyScope", {})
    values = schema.get("enum")
    if not values:
        raise StartupError(f"{spec.source}: components.schemas.ApiKeyScope has no enum")
    return tuple(values)


def _register(app: Flask, pipeline: Pipeline, operations: list[Operation],
              handler_of: dict[str, Handler]) -> dict[str, str]:
    """One URL rule per spec path, accepting every method; returns each path's Allow header.

    Matching paths first and methods second means a literal path such as
    ``/workflows/validate`` always wins over ``/workflows/{workflow_id}``, and a method
    the path does not declare is a 405 whose ``Allow`` lists exactly the spec's methods.
    """
    missing = [op.operation_id for op in operations if op.operation_id not in handler_of]
    if missing:
        raise StartupError(f"no handler for operation(s): {', '.join(sorted(missing))}")
    allowed: dict[str, str] = {}
    by_path: dict[str, dict[str, Operation]] = {}
    for op in operations:
        by_path.setdefault(op.path, {})[op.method] = op
    for path, methods in by_path.items():
        views = {m: pipeline.view_for(op, handler_of[op.operation_id]) for m, op in methods.items()}
        allowed[path] = ", ".join(sorted(views))
        app.add_url_rule(next(iter(methods.values())).flask_rule, endpoint=path,
                         view_func=_dispatcher(views), methods=ALL_METHODS,
                         provide_automatic_options=False, strict_slashes=True)
    return allowed


def _dispatcher(views: dict[str, Any]) -> Any:
    allowed = ", ".join(sorted(views))

    def dispatch(**path: str) -> Response:
        view = views.get(request.method)
        if view is None:
            raise ApiMethodNotAllowed("Method not allowed", headers={"Allow": allowed})
        return view(**path)  # type: ignore[no-any-return]

    return dispatch


def _install_error_pages(app: Flask, world: World) -> None:
    """Routing failures (unknown path, wrong method) also go out in the error envelope."""

    def envelope(error: ApiError) -> Response:
        return render_error(error, new_meta(world.clock.now()))

    @app.errorhandler(NotFound)
    def not_found(_: HTTPException) -> Response:
        return envelope(ApiNotFound("No such endpoint"))

    @app.errorhandler(MethodNotAllowed)
    def unknown_method(_: MethodNotAllowed) -> Response:
        # A method werkzeug does not know at all (e.g. QUERY): answer for the matched path.
        adapter = app.url_map.bind_to_environ(request.environ)
        rule, _args = adapter.match(method="GET", return_rule=True)
        allow = mock_of(app).allow.get(rule.endpoint, "")
        return envelope(ApiMethodNotAllowed("Method not allowed", headers={"Allow": allow}))

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Response:
        return envelope(exc)

    @app.errorhandler(HTTPException)
    def other_http(exc: HTTPException) -> Response:
        # Anything else werkzeug raises (e.g. 413, 431) still leaves in the envelope.
        return envelope(error_for_status(exc.code or 500, exc.description or "HTTP error"))


def _front_door(world: World, hosts: HostPolicy) -> Any:
    """Begin the request's record, then refuse what no route may see: a ``Host`` this mock
    does not serve (DNS rebinding: ``hosts.py``; before CORS and routing, so a rebinding
    page's preflights, pages and files are refused too) and a path with leading ``//``
    (werkzeug folds them into one, so `//files/<token>` would serve the file; interior
    ``//`` are kept by ``merge_slashes``: a path is matched as sent)."""

    def check() -> Response | None:  # a before_request hook returning a value answers
        request_record.begin()
        environ = request.environ
        # The Host the request arrived with, not one a trusted proxy header put in its place.
        host = environ.get(RECEIVED_HOST, environ.get("HTTP_HOST"))
        if not hosts.accepts(host):
            parts = split_host_header(host or "")
            name = parts[0] if parts else host
            return render_error(MisdirectedRequest(
                f"This mock does not serve the host {excerpt(host)}; start it with "
                f"--allowed-host {excerpt(name)} to accept it"), new_meta(world.clock.now()))
        if environ.get("PATH_INFO", "").startswith("//"):
            return render_error(ApiNotFound("No such endpoint"), new_meta(world.clock.now()))
        return None

    return check


def _end_record(_error: BaseException | None) -> None:
    request_record.end()


def _finish(world: World, journal: Journal, settings: Settings) -> Any:
    """Stamp the SDK version header, log one line per request, and journal the API
    traffic: not the mock's own pages, its /__mock/ control calls, or the preflights a
    browser sends on its own."""
    required_version = settings.required_sdk_version

    def finish(response: Response) -> Response:
        response.headers[VERSION_HEADER] = required_version
        record = request_record.current()
        # The object behind Flask's proxy, looked up once (each proxy access is one).
        request_now: Request = request._get_current_object()  # type: ignore[attr-defined]
        duration_ms = round((time.perf_counter() - record.started) * 1000, 3)
        if settings.access_log:
            access_log.info("%s %s %s %.1fms", request_now.method,
                            request_now.full_path.rstrip("?"), response.status_code,
                            duration_ms)
        path = request_now.path
        if not (path.startswith("/__mock/") or is_own_page(path) or is_preflight()):
            _journal(world, journal, request_now, record, response, duration_ms)
        return response

    return finish


def _journal(world: World, journal: Journal, asked: Request, record: RequestRecord,
             response: Response, duration_ms: float) -> None:
    """Hand the journal what it needs of this exchange (``record``: what the pipeline
    learned of the request)."""
    # A streamed answer (a dropped connection, a file) must not be consumed here.
    readable = not (response.is_streamed or response.direct_passthrough
                    or asked.method == "HEAD")
    journal.keep(Exchange(
        at=world.clock.now(), method=asked.method, path=asked.path,
        query=asked.query_string, status=response.status_code,
        operation_id=record.operation_id, workspace_id=record.workspace_id,
        request_id=record.request_id, duration_ms=duration_ms,
        worker=os.getpid(), request_headers=header_environ(asked.environ),
        request_body=record.request_body, request_type=asked.content_type,
        response_headers=response.headers.to_wsgi_list(),
        response_body=_body_parts(response) if readable else None,
        response_type=response.content_type, compact_json=isinstance(response, CompactJson),
        validation=record.validation, forced=record.forced,
    ))


def _body_parts(response: Response) -> tuple[bytes, ...]:
    parts = response.body_parts if isinstance(response, CompactJson) else None
    return parts or (response.get_data(),)
