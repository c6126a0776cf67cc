"""The mock's own pages for a browser: the root page, the API reference at ``/docs``
(Swagger UI from the ``swagger-ui-py`` package, served locally, nothing from a CDN) and
the contract itself at ``/openapi.yaml`` and ``/openapi.json``.

The served contract names the mock as its server (the address the browser used), so
"Try it out" calls the mock; the page is pre-authorized with the fixtures' broadest key.
These pages are not part of either contract and are not journaled.
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import json
from html import escape
from pathlib import Path
from typing import Any

import yaml
from flask import Flask, Response, request, send_from_directory
from werkzeug.exceptions import NotFound

from .settings import Settings
from .spec import Spec
from .world.state.fixtures import ApiKey, Fixtures

PAGES_DIR = Path(__file__).resolve().parent / "pages"
# Paths of these pages, left out of the request journal (they are not API traffic).
OWN_PAGES = ("/", "/docs", "/openapi.yaml", "/openapi.json", "/favicon.ico")
DOCS_ASSETS = "/docs/assets/"
SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")


def is_own_page(path: str) -> bool:
    return path in OWN_PAGES or path.startswith(DOCS_ASSETS)


def swagger_ui_dir() -> Path:
    """Where swagger-ui-py keeps Swagger UI's files (found without importing it)."""
    found = importlib.util.find_spec("swagger_ui")
    if found is None or not found.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is not installed")
    return Path(next(iter(found.submodule_search_locations))) / "static"


def demo_key(fixtures: Fixtures) -> ApiKey | None:
    """The key "Try it out" starts with: the one with the most scopes, first in the file."""
    keys = list(fixtures.api_keys.values())
    return max(keys, key=lambda key: len(key.scopes)) if keys else None


def served_contract(spec: Spec, base_url: str) -> dict[str, Any]:
    document = copy.deepcopy(spec.document)
    document["servers"] = [{"url": base_url, "description": "this onepin-mock"}]
    return document


def install_docs_site(app: Flask, spec: Spec, settings: Settings, fixtures: Fixtures) -> None:
    assets = swagger_ui_dir()
    key = demo_key(fixtures)

    def base_url() -> str:
        return request.host_url.rstrip("/")

    # Rendering the document takes a few hundred ms; a page asks for it on every load.
    @functools.lru_cache(maxsize=8)
    def rendered(base: str, as_yaml: bool) -> str:
        document = served_contract(spec, base)
        if as_yaml:
            return yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
        return json.dumps(document, ensure_ascii=False, indent=1)

    @app.get("/openapi.json")
    def openapi_json() -> Response:
        return Response(rendered(base_url(), False), content_type="application/json")

    @app.get("/openapi.yaml")
    def openapi_yaml() -> Response:
        return Response(rendered(base_url(), True),
                        content_type="application/yaml; charset=utf-8")

    @app.get("/docs")
    def docs() -> Response:
        page = (PAGES_DIR / "docs.html").read_text(encoding="utf-8")
        config = {"url": "/openapi.json", "demoKey": key.secret if key else None,
                  "scheme": "ApiKeyAuth"}
        page = page.replace("{{CONFIG}}", json.dumps(config).replace("</", "<\\/"))
        return Response(page, content_type="text/html; charset=utf-8")

    @app.get(f"{DOCS_ASSETS}<name>")
    def docs_asset(name: str) -> Response:
        if name == "docs.js":
            return send_from_directory(PAGES_DIR, name, max_age=0)
        if name not in SWAGGER_FILES:
            raise NotFound()
        return send_from_directory(assets, name, max_age=3600)

    @app.get("/favicon.ico")
    def favicon() -> Response:
        # Browsers ask on every page; nothing to show, and an empty 204 has no media type.
        response = Response(status=204)
        del response.headers["Content-Type"]
        return response

    @app.get("/")
    def root() -> Response:
        return Response(root_page(fixtures, settings), content_type="text/html; charset=utf-8")


def _row(*cells: str) -> str:
    return "<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def _keys_table(fixtures: Fixtures) -> str:
    rows = []
    for key in fixtures.api_keys.values():
        workspace = fixtures.workspaces.get(key.workspace_id)
        name = workspace.name if workspace else key.workspace_id
        rows.append(_row(f"<code>{escape(key.secret)}</code>", escape(name),
                         f"<code>{escape(key.workspace_id)}</code>",
                         escape(", ".join(key.scopes))))
    return "".join(rows)


def _users_table(fixtures: Fixtures) -> str:
    rows = []
    for user in fixtures.users.values():
        roles = [f"{escape(fixtures.workspaces[w].name if w in fixtures.workspaces else w)}: "
                 f"{escape(role)}" for (w, u), role in fixtures.roles.items() if u == user.id]
        rows.append(_row(escape(user.display_name), f"<code>{escape(user.id)}</code>",
                         "; ".join(roles)))
    return "".join(rows)


def root_page(fixtures: Fixtures, settings: Settings) -> str:
    """Where to go next, and the credentials to use there."""
    page = (PAGES_DIR / "root.html").read_text(encoding="utf-8")
    control = ("<li><a href='/__mock/'>Console</a>: clock, reset, runs, workspaces, faults"
               "</li><li><a href='/__mock/#journal'>Request journal</a>: every call, with "
               "headers and bodies</li>" if settings.admin_enabled else
               "<li>The console and journal are off (<code>--no-admin</code>).</li>")
    return (page.replace("{{CONTROL_LINKS}}", control)
                .replace("{{KEYS}}", _keys_table(fixtures))
                .replace("{{USERS}}", _users_table(fixtures)))
