"""``create_app(settings)``: build the whole mock from its files, or fail naming the file.

Nothing happens at import time; every app is independent, so tests can build as many
as they like with different settings.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from . import handlers
from .auth import Authenticator
from .clock import ControllableClock
from .envelope import new_meta
from .errors import ApiError, StartupError
from .errors import MethodNotAllowed as ApiMethodNotAllowed
from .errors import NotFound as ApiNotFound
from .handlers.base import HANDLERS
from .pipeline import VERSION_HEADER, Pipeline, render_error
from .settings import Settings
from .spec import Operation, Spec
from .world.catalog import Catalog
from .world.fixtures import load_fixtures
from .world.store import World

EXTENSION_KEY = "onepin_mock"
ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or Settings()
    spec = Spec.load(settings.spec_path)
    admin_spec = Spec.load(settings.admin_spec_path)
    scopes = _scope_enum(spec)
    fixtures = load_fixtures(settings.fixtures_path, scopes)
    catalog = Catalog.load(settings.catalog_path)
    clock = ControllableClock(settings.frozen_at)
    world = World(settings, fixtures, catalog, clock)
    handlers.load_all()
    app = Flask("onepin_mock")
    pipeline = Pipeline(settings, world, Authenticator(fixtures, settings.jwt_secret, scopes))
    operations = list(spec.operations)
    if settings.admin_enabled:
        operations += admin_spec.operations
    _register(app, pipeline, operations)
    _install_error_pages(app, world)
    app.after_request(_version_header(settings.required_sdk_version))
    app.extensions[EXTENSION_KEY] = {
        "settings": settings, "spec": spec, "admin_spec": admin_spec, "world": world,
        "pipeline": pipeline,
    }
    return app


def _scope_enum(spec: Spec) -> tuple[str, ...]:
    schema = spec.document.get("components", {}).get("schemas", {}).get("ApiKeyScope", {})
    values = schema.get("enum")
    if not values:
        raise StartupError(f"{spec.source}: components.schemas.ApiKeyScope has no enum")
    return tuple(values)


def _register(app: Flask, pipeline: Pipeline, operations: list[Operation]) -> None:
    """One URL rule per spec path, accepting every method.

    Matching paths first and methods second means a literal path such as
    ``/workflows/validate`` always wins over ``/workflows/{workflow_id}``, and a method
    the path does not declare is a 405 whose ``Allow`` lists exactly the spec's methods.
    """
    missing = [op.operation_id for op in operations if op.operation_id not in HANDLERS]
    if missing:
        raise StartupError(f"no handler for operation(s): {', '.join(sorted(missing))}")
    allowed: dict[str, str] = app.extensions.setdefault("onepin_mock_allow", {})
    by_path: dict[str, dict[str, Operation]] = {}
    for op in operations:
        by_path.setdefault(op.path, {})[op.method] = op
    for path, methods in by_path.items():
        views = {m: pipeline.view_for(op, HANDLERS[op.operation_id]) for m, op in methods.items()}
        allowed[path] = ", ".join(sorted(views))
        app.add_url_rule(next(iter(methods.values())).flask_rule, endpoint=path,
                         view_func=_dispatcher(views), methods=ALL_METHODS,
                         provide_automatic_options=False, strict_slashes=True)


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
        allow = app.extensions["onepin_mock_allow"].get(rule.endpoint, "")
        return envelope(ApiMethodNotAllowed("Method not allowed", headers={"Allow": allow}))

    @app.errorhandler(ApiError)
    def api_error(exc: ApiError) -> Response:
        return envelope(exc)

    @app.errorhandler(HTTPException)
    def other_http(exc: HTTPException) -> Response:
        error = ApiError(exc.description or "HTTP error")
        error.status, error.code = exc.code or 500, "BAD_REQUEST" if (exc.code or 500) < 500 \
            else "SERVER_ERROR"
        return envelope(error)


def _version_header(required: str) -> Any:
    def add(response: Response) -> Response:
        response.headers[VERSION_HEADER] = required
        return response

    return add
