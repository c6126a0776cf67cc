"""The data a matrix works on: discovered seeded records and fresh ones made over raw HTTP.

Setup and clean-up go through plain httpx (never the client under test), so a case only
depends on the method it exercises.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from .credentials import ACME_WORKSPACE, ADA_USER, api_key, session_token

ACTIVE = ("pending", "running", "paused")
TERMINAL = ("completed", "failed", "cancelled")
_REAL_TIME_SLACK_S = 5.0  # a mock whose clock is this close to ours follows real time
_AUDIO_ID = re.compile(r"([0-9a-f]{16})$")


class SceneError(RuntimeError):
    """The server does not hold the records the matrix needs."""


@dataclass(frozen=True)
class Seeds:
    """Seeded records every read case uses."""

    workflow_id: str  # a workflow with a completed, exported run
    workflow_name: str
    definition: dict[str, Any]
    run_id: str  # that completed run
    sink_node_id: str
    audio_id: str
    uploads_workflow_id: str  # a workflow with uploads (else workflow_id)


class Scene:
    """Raw HTTP helpers against one server, with the discovered seeds."""

    def __init__(self, base_url: str, key: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.Client(base_url=self.base_url, timeout=30,
                                 headers={"Authorization": f"Bearer {key or api_key()}"})
        self._fresh: list[str] = []
        self._templates: list[str] = []  # templates made by cases, deleted at clean-up
        self._entries: list[str] = []  # dictionary entries made by cases, likewise
        self._thaw = False  # held_run froze the mock's clock: clean-up returns it to real time
        self._billing: dict[str, Any] | None = None  # a plan on_free_plan changed, to restore
        self._tokens: dict[str, str] = {}
        self._undo: list[Callable[[], None]] = []  # clean-up steps of fresh records
        self.workspace_id = self._own_workspace()
        self._seeds: Seeds | None = None
        self.setup_error: SceneError | None = None
        try:
            self._seeds = discover(self)
        except httpx.HTTPError as exc:
            self.setup_error = SceneError(f"{self.base_url} is not answering: {exc}")
        except SceneError as exc:  # reported once; cases needing seeds fail with it
            self.setup_error = exc

    @property
    def seeds(self) -> Seeds:
        if self._seeds is None:
            raise SceneError(f"setup failed: {self.setup_error}")
        return self._seeds

    def _own_workspace(self) -> str:
        """The key's workspace (whoami), or the demo workspace when whoami cannot tell."""
        try:
            answer = self.http.get("/api/v1/auth/whoami")
            found = answer.json().get("data", {}).get("workspace_id")
        except (httpx.HTTPError, ValueError, AttributeError):
            found = None
        return str(found) if found else ACME_WORKSPACE

    def close(self) -> None:
        self.http.close()

    # -- raw calls -----------------------------------------------------------------------

    def get(self, path: str, **params: Any) -> Any:
        return self._data(self.http.get(path, params=params))

    def post(self, path: str, body: Any = None) -> Any:
        return self._data(self.http.post(path, json=body))

    def get_page(self, path: str, **params: Any) -> Any:
        """The whole body of a list (data and pagination)."""
        response = self.http.get(path, params=params)
        self._data(response)
        return response.json()

    def status_of(self, path: str) -> int:
        return self.http.get(path).status_code

    @staticmethod
    def _data(response: httpx.Response) -> Any:
        if response.status_code >= 300:
            raise SceneError(f"{response.request.method} {response.request.url.path} -> "
                             f"{response.status_code}: {response.text[:300]}")
        return response.json()["data"]

    def fetch(self, url: str) -> httpx.Response:
        """GET a presigned link without credentials, as a client would."""
        return httpx.get(url, timeout=30, follow_redirects=True)

    def put_bytes(self, url: str, content: bytes, content_type: str) -> httpx.Response:
        """PUT a file to a signed upload link without credentials, as the CLI does."""
        return httpx.put(url, content=content, headers={"Content-Type": content_type},
                         timeout=30)

    def catalog_voice(self) -> dict[str, Any]:
        """The first platform voice (by name) with a preview clip."""
        voices = self.get("/api/v1/voices", source="platform", sort="name", limit=100)
        found = next((v for v in voices if v.get("preview_locales")), None)
        if found is None:
            raise SceneError("no platform voice has a preview clip")
        return dict(found)

    # -- fresh records -------------------------------------------------------------------

    def stored_upload(self, filename: str, content: bytes) -> str:
        """A pending script upload whose bytes have arrived at its upload_url."""
        created = self.post("/api/v1/uploads", {"filename": filename, "category": "script"})
        put = self.put_bytes(created["upload_url"], content, created["upload"]["content_type"])
        if put.status_code != 200:
            raise SceneError(f"PUT to upload_url -> {put.status_code}: {put.text[:200]}")
        return str(created["upload"]["id"])

    def fresh_workflow(self) -> str:
        """A runnable copy of the seeded workflow, tracked for clean-up."""
        copy = self.post(f"/api/v1/workflows/{self.seeds.workflow_id}/duplicate")
        self._fresh.append(copy["id"])
        return str(copy["id"])

    def track(self, workflow_id: str) -> None:
        self._fresh.append(workflow_id)

    def fresh_template(self, name: str = "Conformance template") -> str:
        """A template of this workspace holding the seeded definition, deleted at clean-up."""
        made = self.post("/api/v1/templates", {"name": name, "category": "business",
                                               "description": "Made by the matrix",
                                               "definition": self.seeds.definition})
        self.track_template(str(made["id"]))
        return str(made["id"])

    def track_template(self, template_id: str) -> None:
        self._templates.append(template_id)

    def fresh_entry(self, word: str, language: str) -> str:
        """A spelled dictionary entry, deleted at clean-up."""
        made = self.post("/api/v1/dictionary", {"word": word, "language": language,
                                                "method": "spelled", "pronunciation": word})
        self.track_entry(str(made["id"]))
        return str(made["id"])

    def track_entry(self, entry_id: str) -> None:
        self._entries.append(entry_id)

    def starter_template(self) -> dict[str, Any]:
        """The first platform starter template by name (read-only, in every gallery)."""
        rows = self.get("/api/v1/templates", sort="name", limit=100)
        starters = [row for row in rows if row.get("is_starter")]
        if not starters:
            raise SceneError("the template gallery has no starter template")
        return dict(starters[0])

    def fresh_run(self) -> tuple[str, str]:
        workflow_id = self.fresh_workflow()
        run = self.post(f"/api/v1/workflows/{workflow_id}/runs")
        return workflow_id, str(run["id"])

    def held_run(self) -> tuple[str, str]:
        """A fresh run that cannot settle before the case's call. At the matrix's run speed
        a run settles in 0.1-0.3 s, so a slow moment between start and call used to find
        it completed; on a mock following real time the clock is frozen until clean-up.
        Elsewhere (a real server, a mock on a set clock) it is a plain fresh run."""
        answer = self.http.get("/__mock/clock")
        clock = answer.json()["data"] if answer.status_code == 200 else None
        if clock is not None and self._follows_real_time(clock):
            self._thaw = self.http.post("/__mock/clock",
                                        json={"freeze_at": clock["now"]}).is_success
        return self.fresh_run()

    @staticmethod
    def _follows_real_time(clock: dict[str, Any]) -> bool:
        if clock.get("frozen"):
            return False
        shown = datetime.fromisoformat(str(clock["now"]).replace("Z", "+00:00"))
        return abs((shown - datetime.now(UTC)).total_seconds()) < _REAL_TIME_SLACK_S

    def paused_run(self, timeout: float = 20.0) -> tuple[str, str]:
        workflow_id, run_id = self.fresh_run()
        self.post(f"/api/v1/workflows/{workflow_id}/runs/{run_id}/pause")
        self.wait_for(workflow_id, run_id, ("paused", *TERMINAL), timeout)
        return workflow_id, run_id

    def run_status(self, workflow_id: str, run_id: str) -> str:
        return str(self.get(f"/api/v1/workflows/{workflow_id}/runs/{run_id}/status")["status"])

    def wait_for(self, workflow_id: str, run_id: str, statuses: tuple[str, ...],
                 timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            status = self.run_status(workflow_id, run_id)
            if status in statuses or time.monotonic() > deadline:
                return status
            time.sleep(0.1)

    def cleanup(self) -> None:
        """Cancel the active runs of the fresh workflows made since the last clean-up.

        The workspace has a concurrent-run limit; every case starts its runs on new copies.
        """
        undo, self._undo = self._undo, []
        for step in reversed(undo):
            # Already gone (the case deleted it): nothing left to undo.
            with contextlib.suppress(SceneError, httpx.HTTPError):
                step()
        pending, self._fresh = self._fresh, []
        templates, self._templates = self._templates, []
        for template_id in templates:  # bounded per workspace: leave room for the next case
            self.http.delete(f"/api/v1/templates/{template_id}")
        entries, self._entries = self._entries, []
        for entry_id in entries:  # and one entry per word and language: the next case's too
            self.http.delete(f"/api/v1/dictionary/{entry_id}")
        for workflow_id in pending:
            response = self.http.get(f"/api/v1/workflows/{workflow_id}/runs",
                                     params={"status": ",".join(ACTIVE), "limit": 100})
            if response.status_code != 200:
                continue
            for run in response.json()["data"]:
                self.http.post(f"/api/v1/workflows/{workflow_id}/runs/{run['id']}/cancel")
        if self._thaw:
            self.http.post("/__mock/clock", json={"real": True})
            self._thaw = False
        if self._billing is not None:
            saved, self._billing = self._billing, None
            self.http.post(f"/__mock/workspaces/{saved['workspace_id']}/billing",
                           json={"plan": saved["plan"],
                                 "concurrent_run_limit": saved["concurrent_run_limit"]})

    def on_free_plan(self) -> str:
        """The scene's workspace put on the free plan (what a checkout upgrades) until the
        case's clean-up; its concurrent-run limit is kept. A server without the control API
        keeps its plan, and the case meets whatever that plan answers."""
        path = f"/__mock/workspaces/{self.workspace_id}/billing"
        answer = self.http.get(path)
        if answer.status_code == 200:
            saved = answer.json()["data"]
            self.post(path, {"plan": "free",
                             "concurrent_run_limit": saved["concurrent_run_limit"]})
            self._billing = saved
        return self.workspace_id

    def on_cleanup(self, step: Callable[[], None]) -> None:
        """Run ``step`` at the next clean-up (after the case), newest first."""
        self._undo.append(step)

    def session(self, user_id: str = ADA_USER) -> str:
        """A session JWT (Ada's unless told): from the mock's token endpoint, else minted
        locally."""
        if user_id not in self._tokens:
            response = self.http.post("/__mock/tokens", json={"user_id": user_id})
            ok = response.status_code == 200
            self._tokens[user_id] = (str(response.json()["data"]["token"]) if ok
                                     else session_token(user_id))
        return self._tokens[user_id]

    def as_user(self, user_id: str, method: str, path: str, body: Any = None) -> Any:
        """A raw call with ``user_id``'s session; its ``data``."""
        headers = {"Authorization": f"Bearer {self.session(user_id)}"}
        return self._data(self.http.request(method, path, json=body, headers=headers))


def discover(scene: Scene) -> Seeds:
    workflows = scene.get("/api/v1/workflows", limit=100, sort="name")
    for workflow in sorted(workflows, key=lambda w: str(w["id"])):
        if (workflow.get("run_status_counts") or {}).get("completed"):
            found = _exported_run(scene, str(workflow["id"]))
            if found is not None:
                return _seeds(scene, workflow, found, workflows)
    raise SceneError("no seeded workflow has a completed run with an export")


def _exported_run(scene: Scene, workflow_id: str) -> str | None:
    runs = scene.get(f"/api/v1/workflows/{workflow_id}/runs", status="completed", limit=100)
    for run in runs:
        detail = scene.get(f"/api/v1/workflows/{workflow_id}/runs/{run['id']}")
        if detail.get("has_export"):
            return str(run["id"])
    return None


def _seeds(scene: Scene, workflow: dict[str, Any], run_id: str,
           workflows: list[dict[str, Any]]) -> Seeds:
    workflow_id = str(workflow["id"])
    base = f"/api/v1/workflows/{workflow_id}/runs/{run_id}"
    outputs = scene.get(f"{base}/outputs")["outputs"]
    sink = next(o["node_id"] for o in outputs if o.get("line_count"))
    return Seeds(
        workflow_id=workflow_id, workflow_name=str(workflow["name"]),
        definition=scene.get(f"/api/v1/workflows/{workflow_id}")["definition"],
        run_id=run_id, sink_node_id=str(sink), audio_id=_audio_id(scene, base),
        uploads_workflow_id=_uploads_workflow(scene, workflows) or workflow_id,
    )


def _audio_id(scene: Scene, base: str) -> str:
    for row in scene.get(f"{base}/data", limit=20)["rows"] or []:
        for card in row.get("cards") or []:
            match = _AUDIO_ID.search(str(card["id"]))
            if match and card["audio"]["status"] == "available":
                return match.group(1)
    raise SceneError(f"no available audio in {base}/data")


def _uploads_workflow(scene: Scene, workflows: list[dict[str, Any]]) -> str | None:
    for workflow in workflows:
        if scene.get(f"/api/v1/workflows/{workflow['id']}/uploads", limit=1):
            return str(workflow["id"])
    return None
