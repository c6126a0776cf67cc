"""Crawl every GET operation over the seeded dataset, in-process, without ``Prefer``.

The crawl reads both demo workspaces top to bottom: every page of every list, every
workflow, every run and each of its views, every node type, every voice (listed, faceted,
read, its neighbours and previews), provider and model, every template it can see (read
and priced) and its dictionary. Then, per
operation, the natural requests that earn each documented error status: no credentials
(401), a session without a workspace (400), a key for another workspace (403), an id or
a workspace that does not exist (404), a parameter out of its schema (422), an old SDK
(426), a download that is not ready (409).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import product
from typing import Any
from urllib.parse import quote, urlsplit

from flask import Flask
from flask.testing import FlaskClient
from support import (
    ACME,
    ADA,
    DEMO_KEY,
    ELI,
    GLOBEX,
    GUS,
    READ_ONLY_KEY,
    SECOND_WORKSPACE_KEY,
    VERA,
    bearer,
    session,
)

from mockserver.app import mock_of
from mockserver.spec import Operation, Spec

MISSING_ID = "00000000-0000-4000-8000-000000000000"
# Path ids that are not uuids: one well-formed but missing (404), one malformed (422).
_WRONG_IDS = {"template_id": ("00000000", "not-an-id")}
OLD_SDK = {"User-Agent": "onepin/0.0.1"}
WORKSPACES = ((ACME, DEMO_KEY), (GLOBEX, SECOND_WORKSPACE_KEY))


@dataclass(frozen=True)
class Exchange:
    operation_id: str
    status: int
    body: Any  # parsed JSON, or None for a non-JSON answer


@dataclass
class Crawler:
    app: Flask
    exchanges: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.spec: Spec = mock_of(self.app).spec
        self.operations = {op.operation_id: op for op in self.spec.operations}
        self.client: FlaskClient = self.app.test_client()

    # -- one request ----------------------------------------------------------------------

    def path(self, operation_id: str, **params: str) -> str:
        return self.operations[operation_id].path.format(**params)

    def get(self, operation_id: str, url: str, headers: dict[str, str]) -> Any:
        response = self.client.get(url, headers=headers)
        body = response.get_json(silent=True)
        self.exchanges.append(Exchange(operation_id, response.status_code, body))
        return body

    def pages(self, operation_id: str, url: str, headers: dict[str, str]) -> Iterator[Any]:
        """Every page of a list, following ``pagination.next`` to the end."""
        while url:
            body = self.get(operation_id, url, headers)
            yield body
            link = ((body or {}).get("pagination") or {}).get("next")
            url = "" if not link else _local(link)

    # -- the dataset --------------------------------------------------------------------

    def crawl(self) -> list[Exchange]:
        for workspace, key in WORKSPACES:
            self.workspace(workspace, bearer(key))
        self.catalog()
        self.people()
        self.errors()
        return self.exchanges

    def workspace(self, workspace: str, headers: dict[str, str]) -> None:
        workflows = []
        for query in ("?limit=7", "?limit=100&include_definition=true"):
            for body in self.pages("list_workflows", self.path("list_workflows") + query, headers):
                workflows += body["data"] if "include_definition" not in query else []
        for status in ("running", "failed", "completed"):
            self.get("list_workflows", f"{self.path('list_workflows')}?status={status}", headers)
        self.get("whoami", self.path("whoami"), headers)
        self.get("whoami", self.path("whoami"), session(ADA, workspace))
        self.account(workspace, headers)
        for workflow in workflows:
            self.workflow(workflow, headers)
        self.templates(workspace, headers)
        self.dictionary(headers if workspace == ACME else session(ADA, workspace))

    def account(self, workspace: str, headers: dict[str, str]) -> None:
        """The caller's account, the workspace's usage, plan and subscription."""
        for operation_id in ("get_my_credits", "get_my_plan_limits",
                             "get_current_notification_preferences"):
            self.get(operation_id, self.path(operation_id), headers)
            self.get(operation_id, self.path(operation_id), session(ADA))
        for query in ("", "?range=90d&activity_view=weekly&timezone=Asia/Tokyo",
                      "?range=60d&activity_view=monthly&timezone=America/New_York"):
            self.get("usage_summary", self.path("usage_summary") + query, headers)
        for query in ("", "?activity_view=monthly", "?activity_view=weekly",
                      "?activity_view=daily", "?range=60d", "?range=90d&timezone=Europe/Berlin"):
            self.get("usage_by_language", self.path("usage_by_language") + query, headers)
        list(self.pages("usage_activity", self.path("usage_activity") + "?range=90d&limit=50",
                        headers))
        for operation_id in ("get_workspace_plan_limits", "get_workspace_subscription"):
            self.get(operation_id, self.path(operation_id, workspace_id=workspace),
                     session(ADA))

    def workflow(self, workflow: dict[str, Any], headers: dict[str, str]) -> None:
        wid = workflow["id"]
        for operation_id in ("get_workflow", "get_workflow_markdown", "runs_summary"):
            self.get(operation_id, self.path(operation_id, workflow_id=wid), headers)
        names = self.path("check_workflow_name_availability")
        self.get("check_workflow_name_availability", f"{names}?name={quote(workflow['name'])}",
                 headers)
        self.get("check_workflow_name_availability", f"{names}?name=Fresh-{wid[:8]}", headers)
        list(self.pages("list_workflow_uploads",
                        self.path("list_workflow_uploads", workflow_id=wid) + "?limit=2", headers))
        for body in self.pages("list_runs", self.path("list_runs", workflow_id=wid) + "?limit=5",
                               headers):
            for run in body["data"]:
                self.run(wid, run["id"], headers)

    def run(self, wid: str, rid: str, headers: dict[str, str]) -> None:
        ids = {"workflow_id": wid, "run_id": rid}
        for operation_id in ("get_run", "get_run_status", "get_run_overview", "get_run_analysis",
                             "download_run"):
            self.get(operation_id, self.path(operation_id, **ids), headers)
        self.get("get_run_steps", self.path("get_run_steps", **ids) + "?include_result=true",
                 headers)
        audio_ids = []
        for body in self.pages("get_run_data", self.path("get_run_data", **ids)
                               + "?include_dropped=true&limit=4", headers):
            audio_ids += [card["id"].rsplit(":", 1)[-1] for row in body["data"]["rows"]
                          for card in row["cards"] or ()]
        for audio_id in audio_ids[:1]:
            self.get("get_run_audio_url", self.path("get_run_audio_url", audio_id=audio_id, **ids),
                     headers)
        outputs = self.get("get_run_outputs", self.path("get_run_outputs", **ids), headers)
        for sink in outputs["data"]["outputs"]:
            self.get("download_run_node",
                     self.path("download_run_node", node_id=sink["node_id"], **ids), headers)

    def templates(self, workspace: str, headers: dict[str, str]) -> None:
        """The gallery (as the workspace sees it) and the caller's own templates, each
        template read and priced. Globex's key lacks templates:read: Ada's session reads."""
        if workspace == GLOBEX:
            headers = session(ADA, workspace)
        seen = []
        for operation_id, query in (("list_templates", "?limit=5"),
                                    ("list_templates", "?favorites_only=true"),
                                    ("list_templates", "?sort=recent&category=media"),
                                    ("list_my_templates", "?limit=3&sort=name")):
            for body in self.pages(operation_id, self.path(operation_id) + query, headers):
                seen += body["data"]
        for template_id in dict.fromkeys(t["id"] for t in seen):
            for operation_id in ("get_template", "estimate_template"):
                self.get(operation_id, self.path(operation_id, template_id=template_id), headers)

    def dictionary(self, headers: dict[str, str]) -> None:
        languages = self.get("list_dictionary_languages", self.path("list_dictionary_languages"),
                             headers)["data"]
        base = self.path("list_dictionary_entries")
        for language in languages:
            for query in (f"?language={language['code']}&limit=3",
                          f"?language={language['code']}&method=recorded"):
                list(self.pages("list_dictionary_entries", base + query, headers))
        search = self.path("search_dictionary_entries")
        for word in ("o", "zzz"):
            list(self.pages("search_dictionary_entries", f"{search}?search={word}&limit=5",
                            headers))

    def catalog(self) -> None:
        nodes = self.get("list_nodes", self.path("list_nodes"), {})
        for node_type in (node["node_type"] for node in nodes["data"]):
            self.get("get_node_detail", self.path("get_node_detail", node_type=node_type),
                     session(ADA, ACME))
            self.get("get_node_detail_v2", self.path("get_node_detail_v2", node_type=node_type),
                     bearer(DEMO_KEY))
        for workspace, key in WORKSPACES:
            self.voices(session(ADA, workspace) if key == SECOND_WORKSPACE_KEY else bearer(key))
        self.providers(bearer(DEMO_KEY))
        for operation_id in ("health", "ready"):
            self.get(operation_id, self.path(operation_id), {})

    def people(self) -> None:
        """Each user's workspaces, and each workspace's profile, settings and members."""
        for user in (ADA, ELI, VERA, GUS):
            for body in self.pages("list_workspaces", self.path("list_workspaces") + "?limit=1",
                                   session(user)):
                for workspace in body["data"]:
                    ids = {"workspace_id": workspace["id"]}
                    for operation_id in ("get_workspace", "get_workspace_settings",
                                         "list_members"):
                        self.get(operation_id, self.path(operation_id, **ids), session(user))
        for workspace, key in WORKSPACES:
            self.get("get_workspace_settings",
                     self.path("get_workspace_settings", workspace_id=workspace), bearer(key))
        slugs = self.path("slug_available")
        admins = ((ADA, ACME), (GUS, GLOBEX))
        for (user, workspace), slug in product(admins, ("acme-voice", "globex-l10n", "admin",
                                                       "Not A Slug", "fresh-slug")):
            self.get("slug_available", f"{slugs}?slug={quote(slug)}", session(user, workspace))
        self.get("slug_available", f"{slugs}?slug=mine", session(ELI, ACME))  # 403: an editor

    def voices(self, headers: dict[str, str]) -> None:
        """Every voice of a workspace (the catalog's and its own), read every way."""
        voices: list[dict[str, Any]] = []
        for query in ("?limit=10", "?limit=100&language=en-us&language=de-de"):
            for body in self.pages("list_voices", self.path("list_voices") + query, headers):
                voices += body["data"] if "language" not in query else []
        self.get("list_voices", self.path("list_voices") + "?favorites_only=true", headers)
        for query in ("", "?gender=female&source=workspace"):
            self.get("get_voice_facets", self.path("get_voice_facets") + query, headers)
        for voice in voices:
            ids = {"voice_id": voice["id"]}
            self.get("get_voice", self.path("get_voice", **ids), headers)
            self.get("similar_voices", self.path("similar_voices", **ids)
                     + "?limit=50&language=en&language=ja-jp", headers)
            for locale in voice["preview_locales"] or ():
                self.get("preview_voice",
                         self.path("preview_voice", **ids) + f"?language={locale}", headers)

    def providers(self, headers: dict[str, str]) -> None:
        body = self.get("list_catalog_providers", self.path("list_catalog_providers"), headers)
        for provider in (p["provider"] for p in body["data"]):
            self.get("get_catalog_provider",
                     self.path("get_catalog_provider", provider=provider), headers)
            models = self.get("list_catalog_provider_models",
                              self.path("list_catalog_provider_models", provider=provider),
                              headers)
            for model in (m["model"] for m in models["data"]):
                ids = {"provider": provider, "model": model}
                self.get("get_catalog_provider_model",
                         self.path("get_catalog_provider_model", **ids), headers)
                list(self.pages("list_catalog_provider_model_voices",
                                self.path("list_catalog_provider_model_voices", **ids)
                                + "?limit=4", headers))

    # -- natural errors -------------------------------------------------------------------

    def errors(self) -> None:
        sample = self._sample_ids()
        for operation in self.spec.operations:
            if operation.method != "GET" or operation.path.startswith("/__mock"):
                continue
            for headers, url in self._error_requests(operation, sample):
                self.get(operation.operation_id, url, headers)

    def _error_requests(self, operation: Operation,
                        sample: dict[str, str]) -> Iterator[tuple[dict[str, str], str]]:
        url = operation.path.format(**sample)
        yield OLD_SDK, url  # 426
        if operation.is_public:
            return
        yield {}, url  # 401
        yield session(ADA), url  # 400 where the workspace header is mandatory
        yield session(ADA, "not-a-uuid"), url  # 400: a malformed workspace header
        yield session(VERA, GLOBEX), url  # 404: not a member of that workspace
        yield bearer(DEMO_KEY, GLOBEX), url  # 403: the key belongs to another workspace
        yield bearer(READ_ONLY_KEY), url  # 403 where a scope beyond workflows:read is needed
        good = session(ADA, ACME) if operation.security == ("SessionAuth",) else bearer(DEMO_KEY)
        yield good, url  # 422 where a query parameter is required
        for param in operation.parameters:
            if param.location == "path":
                for wrong in _WRONG_IDS.get(param.name, (MISSING_ID, "not-a-uuid")):
                    # 404 and, for uuid-shaped ids, 422
                    yield good, operation.path.format(**{**sample, param.name: wrong})
            elif param.location == "query":
                bad = _out_of_schema(param.schema)
                if bad is not None:
                    yield good, f"{url}?{param.name}={bad}"

    def _sample_ids(self) -> dict[str, str]:
        """Ids of one finished run, for the error requests' paths."""
        headers = bearer(DEMO_KEY)
        listing = self.client.get(self.path("list_workflows") + "?status=completed",
                                  headers=headers).get_json()["data"]
        wid = listing[0]["id"]
        runs = self.client.get(self.path("list_runs", workflow_id=wid) + "?status=completed",
                               headers=headers).get_json()["data"]
        return {"workflow_id": wid, "run_id": runs[0]["id"], "audio_id": "0" * 16,
                "workspace_id": ACME,
                "node_id": "missing-node", "node_type": "source_script",
                "voice_id": MISSING_ID, "provider": "sonora", "model": "sonora-flash-2",
                "template_id": "00000000"}


def _local(link: str) -> str:
    parts = urlsplit(link)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _out_of_schema(schema: dict[str, Any]) -> str | None:
    """A query value the parameter's schema refuses, or None when any text would do."""
    kind = schema.get("type")
    if "enum" in schema or "enum" in (schema.get("items") or {}):
        return "no-such-value"
    if kind == "integer":
        return str(int(schema.get("minimum", 0)) - 1)
    if kind == "boolean":
        return "maybe"
    if schema.get("format") in ("date-time", "uuid"):
        return "not-a-" + str(schema["format"])
    if "minLength" in schema:
        return ""
    return None
