"""Stateful Schemathesis over the OpenAPI links of openapi.yaml, against the in-process app.

The links chain list workflows -> create (with the create example's runnable graph) /
duplicate / get, create workflow -> get / patch / duplicate / delete / start run, copy ->
get / start run / delete, and start run -> get run / status / steps / cancel / pause /
resume (plus pause -> resume / status / cancel, resume -> status / cancel, status -> get /
pause / resume / cancel, get run -> pause / resume, and cancel -> get); list voices -> get /
similar / favorite, providers -> provider / models -> model / model voices, create upload ->
confirm / delete; and create template -> get / update / estimate / favorite / delete / clone,
clone -> get / start run / delete (the template gallery and one's own templates link to get /
estimate / clone as well). Every default check runs on every step, positive and negative
data alike, including the auth probes and the stateful checks (a deleted workflow must be
gone, a created one must be readable).

Documented adjustments keep the scenarios meaningful and the test deterministic. None
changes negative data, and none relaxes a check:

* Every scenario starts from the seeded dataset at the same frozen instant (the world is
  reset in `setup`), and the clock moves forward by a fixed step before every call, so
  runs progress (pending -> running -> terminal) as a pure function of the call sequence
  and any failing scenario replays exactly.
* A valid `X-Workspace-Id` that names another workspace is a documented 403 for an API
  key; three out of four such generated headers are set to the key's own workspace so
  chains get past authorization. The rest keep exercising the 403.
* Scenarios may also start from a random id (duplicate, start, pause, cancel). Two out
  of three ids that never existed are aimed at a seeded, runnable workflow and one of its
  runs, so seeded runs get paused, resumed and cancelled too; the rest stay 404s. Ids the
  scenario created (deleted ones included) are never re-aimed.
* A valid time window (`from`/`to`, `last_run_after`/`last_run_before`) is put in order:
  JSON Schema cannot compare two parameters.
* A valid upload create body whose filename lacks an extension its category takes gets
  one (the name is kept): which extensions a category takes depends on the other field.
* A confirm of an upload the scenario created finds its file already PUT to upload_url
  (which is outside openapi.yaml), and a valid confirm body binds it to a seeded workflow
  (another context's 403/404 would read as a created upload gone missing).
* Schemathesis reads the optional `X-Workspace-Id` header as a reference to a resource no
  operation creates, and would then start scenarios only from the public node list; the
  header is dropped from its dependency graph, so every operation the links start from is
  an entry point.
* Every valid create / replace / patch leaves a workflow (or a template, whose clones are
  workflows) that can run: a body without a `definition`, or whose generated one breaks the
  graph rules (edges and steps naming nodes that do not exist, no source or sink ...), gets
  a seeded workflow's runnable definition. JSON Schema cannot say "an edge must end at a
  node of this graph", so such graphs are only *schema*-valid, and a workflow that cannot
  run turns every later schema-valid start into a 422. Both 422s are documented behaviour
  with their own unit tests (tests/unit/test_graph_rules.py); here they would only hide the
  run links.

Link inference (Schemathesis' dependency analysis) is switched off: the scenarios follow
exactly the links declared in openapi.yaml. Hypothesis is derandomized, so every run of
this module explores the same scenarios with the same data.
"""

from __future__ import annotations

import copy
import hashlib
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
import schemathesis
import yaml
from flask import Flask
from hypothesis import HealthCheck, Phase, settings
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from schemathesis.config import SchemathesisConfig
from schemathesis.core import NOT_SET
from schemathesis.core.parameters import ParameterLocation
from support import ACME, DEMO_KEY, FROZEN_AT, KEY, make_settings, windows_in_order

from mockserver.app import create_app, mock_of
from mockserver.errors import ApiError
from mockserver.settings import DEFAULT_FIXTURES, DEFAULT_SPEC
from mockserver.world.catalog.graph_rules import run_start_problems
from mockserver.world.dataset.upload_content import FORMATS
from mockserver.world.dataset.upload_files import pdf_body
from mockserver.world.service import control, uploads
from mockserver.world.state.store import WorkspaceState

# Frozen-clock seconds added before each call; with RUN_SPEED a run's active clock moves
# SECONDS_PER_CALL * RUN_SPEED = 8 s per call: a seeded-definition run (40-50 s of run time)
# is pending for one call, running for about five and then terminal.
SECONDS_PER_CALL = 2.0
RUN_SPEED = 4.0
SEEDED_WORKFLOWS = 8
CREATE = "POST /api/v1/workflows"
CREATE_TEMPLATE = "POST /api/v1/templates"
START = "POST /api/v1/workflows/{workflow_id}/runs"
DEFINITION_WRITES = {CREATE, "PUT /api/v1/workflows/{workflow_id}",
                     "PATCH /api/v1/workflows/{workflow_id}", CREATE_TEMPLATE,
                     "PATCH /api/v1/templates/{template_id}"}
WORKSPACE_HEADER = "X-Workspace-Id"
CONFIRM_UPLOAD = "POST /api/v1/uploads/{upload_id}"
CREATE_UPLOAD = "POST /api/v1/uploads"
# A failed voice import has no embedding: its neighbours are a documented 503 (Retry-After),
# which the seeded data earns; not a server error.
NOT_ANALYSED_YET = {"include-operation-id": "similar_voices",
                    "checks": {"not_a_server_error": {"expected-statuses": [
                        "2xx", "3xx", "4xx", "503"]}}}
# Dictionary saves carry rules between fields and on data the schema cannot state (a spelled
# entry needs a pronunciation, a recorded one a confirmed dictionary upload, the language is
# one the dictionary takes, `ipa` is IPA): their 422s are documented and unit-tested
# (tests/unit/test_dictionary.py), as in the fuzz configuration (tests/contract/fuzz.toml).
DICTIONARY_SAVES = [{"include-operation-id": operation,
                     "checks": {"positive_data_acceptance": {"expected-statuses": [
                         "2xx", "401", "403", "404", "409", "422"]}}}
                    for operation in ("create_dictionary_entry", "update_dictionary_entry")]
# A file of each format, as a client would PUT it (audio: just the leading bytes its type
# is known by).
UPLOADED_FILES = {
    "txt": b"Welcome aboard.\nPlease fasten your seat belt.\n",
    "pdf": pdf_body(["Welcome aboard.", "Please fasten your seat belt."]),
    "wav": b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(28), "mp3": b"ID3\x04" + bytes(32),
    "ogg": b"OggS" + bytes(32), "webm": b"\x1a\x45\xdf\xa3" + bytes(32),
    "m4a": b"\x00\x00\x00\x18ftypM4A " + bytes(16),
}

# 60 scenarios of up to 10 calls each (about 600 calls plus Schemathesis' auth probes).
STATEFUL_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=60,
    stateful_step_count=10,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _byte(value: object, index: int = 0) -> int:
    """A stable pseudo-random byte per value: choices without global randomness."""
    return hashlib.sha256(str(value).encode()).digest()[index]


def _is_uuid(value: object) -> bool:
    try:
        return str(uuid.UUID(str(value))) == value
    except ValueError:
        return False


def _positive_at(case: Any, location: ParameterLocation) -> bool:
    return case.meta is not None and not case.meta.is_negative_at(location)


class Steering:
    """The case adjustments described in the module docstring, over one app's world."""

    def __init__(self, app: Flask) -> None:
        self.world = mock_of(app).world
        self.engine = mock_of(app).engine
        self.reset()
        with self.acme.lock:
            self.seeded = sorted(
                w.id for w in self.acme.workflows.values()
                if not run_start_problems(w.definition, self.world.catalog)
            )
            self.runnable = copy.deepcopy(self.acme.workflows[self.seeded[0]].definition)

    def reset(self) -> None:
        """Back to the seeded dataset at the frozen instant: every scenario starts equal,
        so Hypothesis can replay (and shrink) any of them exactly."""
        control.reset(self.engine)
        control.set_clock(self.engine, frozen_at=FROZEN_AT)
        self.acme: WorkspaceState = self.world.workspace(ACME)

    def before_call(self, case: Any) -> None:
        self.world.clock.advance(SECONDS_PER_CALL)
        if _positive_at(case, ParameterLocation.HEADER):
            self.own_workspace(case)
        if _positive_at(case, ParameterLocation.PATH):
            self.aim_at_seeded(case)
        if _positive_at(case, ParameterLocation.BODY):
            self.keep_runnable(case)
        if _positive_at(case, ParameterLocation.QUERY):
            windows_in_order(case)
        if case.operation.label == CONFIRM_UPLOAD:
            self.ready_upload(case)
        if case.operation.label == CREATE_UPLOAD and _positive_at(case, ParameterLocation.BODY):
            self.fitting_filename(case)

    def fitting_filename(self, case: Any) -> None:
        """A valid create body keeps its name but gets an extension its category takes."""
        body = case.body
        if not isinstance(body, dict) or body.get("category") not in FORMATS:
            return
        filename = str(body.get("filename", ""))
        try:
            uploads.checked_name(filename, body["category"])
        except ApiError:
            extensions = sorted(FORMATS[body["category"]])
            stem = filename.rpartition(".")[0] or filename or "file"
            body["filename"] = f"{stem}.{extensions[_byte(filename) % len(extensions)]}"

    def ready_upload(self, case: Any) -> None:
        """The file a client PUTs to upload_url (outside the spec) arrives before the
        confirm, and a valid body binding it to a workflow names a seeded one."""
        upload_id = (case.path_parameters or {}).get("upload_id")
        with self.acme.lock:
            pending = self.acme.pending_uploads.get(str(upload_id))
        if pending is not None and pending.content is None:
            uploads.store_upload_bytes(self.engine, ACME, pending.id,
                                       UPLOADED_FILES[pending.format], self.world.clock.now())
        body = case.body
        if _positive_at(case, ParameterLocation.BODY) and isinstance(body, dict):
            # Another context's 403/404 would read as "the created upload is gone" to the
            # stateful checks; those answers have unit tests of their own.
            body["context_type"] = "workflow"
            body["context_id"] = self.seeded[_byte(body.get("context_id"), 1) % len(self.seeded)]

    def own_workspace(self, case: Any) -> None:
        header = (case.headers or {}).get(WORKSPACE_HEADER)
        if header is not None and header != ACME and _byte(header) < 192:
            case.headers[WORKSPACE_HEADER] = ACME

    def aim_at_seeded(self, case: Any) -> None:
        params = case.path_parameters or {}
        workflow_id = params.get("workflow_id")
        if not _is_uuid(workflow_id) or _byte(workflow_id) < 85:
            return
        with self.acme.lock:
            if workflow_id in self.acme.workflows:
                return  # created (or deleted) by this scenario: keep the link's id
            params["workflow_id"] = self.seeded[_byte(workflow_id, 1) % len(self.seeded)]
            run_id = params.get("run_id")
            runs = sorted(r.id for r in self.acme.runs_of(params["workflow_id"]))
            if _is_uuid(run_id) and run_id not in self.acme.runs and runs:
                params["run_id"] = runs[_byte(run_id) % len(runs)]

    def keep_runnable(self, case: Any) -> None:
        label = case.operation.label
        if label not in DEFINITION_WRITES:
            return
        if case.body is NOT_SET and label == CREATE:
            case.body, case.media_type = {}, "application/json"
        body = case.body
        creates = (CREATE, CREATE_TEMPLATE)
        if not isinstance(body, dict) or (label not in creates and "definition" not in body):
            return
        if run_start_problems(body.get("definition"), self.world.catalog):
            body["definition"] = copy.deepcopy(self.runnable)


def build_state_machine(app: Flask) -> type[Any]:
    """The links of openapi.yaml as a Hypothesis state machine calling ``app`` in-process."""
    config = SchemathesisConfig.from_dict({
        # The demo key is the configured credential of the ApiKeyAuth scheme, so checks
        # know it is explicit auth and probe the operation without it and with a bad one.
        "auth": {"openapi": {"ApiKeyAuth": {"bearer": DEMO_KEY}}},
        "phases": {"stateful": {"inference": {"algorithms": []}}},
        "operations": [NOT_ANALYSED_YET, *DICTIONARY_SAVES],
    })
    schema = schemathesis.openapi.from_path(DEFAULT_SPEC, config=config)
    schema.app = app
    _workspace_header_is_no_reference(schema)
    steering = Steering(app)

    class APIWorkflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            steering.reset()

        def before_call(self, case: Any) -> None:
            steering.before_call(case)

    return APIWorkflow


def _workspace_header_is_no_reference(schema: Any) -> None:
    """Schemathesis reads the optional ``X-Workspace-Id`` header as a reference to a resource
    no operation creates, so it would start scenarios only from operations without it (the
    public node list): every workspace operation would be a mere fallback entry point and
    never run. The header is a choice of workspace, not a reference to follow."""
    for node in schema.analysis.dependency_graph.operations.values():
        node.inputs = [slot for slot in node.inputs if slot.resource_field != WORKSPACE_HEADER]


def small_fixtures(directory: Path) -> Path:
    """The packaged fixtures with fewer seeded workflows: resetting the world per scenario
    regenerates the workspace, and a smaller one keeps that cheap."""
    text = re.sub(r"workflow_count: *\d+", f"workflow_count: {SEEDED_WORKFLOWS}",
                  DEFAULT_FIXTURES.read_text(encoding="utf-8"))
    path = directory / "fixtures.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_linked_operations_conform_across_sequences(tmp_path: Path) -> None:
    """Chained workflow and run operations stay within the contract at every step."""
    # Plain answers: Schemathesis' WSGI calls ask for gzip/br and do not decode them.
    app = create_app(make_settings(run_speed=RUN_SPEED, fixtures_path=small_fixtures(tmp_path),
                                   compress_responses=False))
    app.testing = True
    build_state_machine(app).run(settings=STATEFUL_SETTINGS)


def _start_body_allowed(body: dict[str, Any]) -> bool:
    """Whether openapi.yaml's start_run request schema accepts ``body``."""
    document = yaml.safe_load(DEFAULT_SPEC.read_text(encoding="utf-8"))
    registry: Registry[Any] = Registry().with_resource(
        "urn:spec", Resource.from_contents(document, default_specification=DRAFT202012))
    body_schema = {"$ref": "urn:spec#/components/schemas/WorkflowRunStartIn"}
    return Draft202012Validator(body_schema, registry=registry).is_valid(body)


@pytest.mark.parametrize("script", ["", "  \n  "])
def test_blank_script_override_is_refused_by_contract_and_server(script: str) -> None:
    """A blank `script_text` is invalid in the spec and answered 422 naming the field."""
    body = {"script_text": script}
    assert not _start_body_allowed(body)
    app = create_app(make_settings())
    with app.test_client() as client:
        workflow_id = Steering(app).seeded[0]
        response = client.post(f"/api/v1/workflows/{workflow_id}/runs", json=body, headers=KEY)
    assert response.status_code == 422
    assert [d["field"] for d in response.get_json()["error"]["details"]] == ["script_text"]


# What a stateful run must reach (answer with a 2xx) by the spec's links and examples alone,
# as a client outside the project would run it (issue 26, item 8): every run command and
# the three reads of a run. The chains: list -> create with the example's runnable graph ->
# start -> pause -> resume -> cancel, with reads of the started, polled, paused and
# cancelled run along the way (a read or polled run links to pause and resume as well).
RUN_COMMANDS = {
    START,
    "POST /api/v1/workflows/{workflow_id}/runs/{run_id}/pause",
    "POST /api/v1/workflows/{workflow_id}/runs/{run_id}/resume",
    "POST /api/v1/workflows/{workflow_id}/runs/{run_id}/cancel",
}
RUN_READS = {
    "GET /api/v1/workflows/{workflow_id}/runs/{run_id}",
    "GET /api/v1/workflows/{workflow_id}/runs/{run_id}/status",
    "GET /api/v1/workflows/{workflow_id}/runs/{run_id}/steps",
}
# Scenarios of 60 steps (Schemathesis' `phases.stateful.max-steps`; its default is 6): a
# scenario first spends about 20 steps on entry points called with ids that do not exist
# (every operation a link leaves from may open a scenario, twice at most), and the chains
# above need the rest. Valid data only (`--mode positive`): a negative step in the middle
# of a chain only breaks it, and the steered test above sends negative data.
OUTSIDE_SETTINGS = settings(STATEFUL_SETTINGS, max_examples=300, stateful_step_count=60)


def reached_operations(app: Flask, spec: Path = DEFAULT_SPEC) -> set[str]:
    """The operations a stateful run over ``spec``'s links answers with a 2xx at least once.

    Run as from outside: nothing rewrites a case. The client sends its workspace in
    X-Workspace-Id, as a user of the CLI would with ``-H`` (a generated one names another
    workspace: 403 at the first step of most chains). The run covers the workflow and run
    operations only: the public node catalog needs no workspace, so Schemathesis would take
    it for the one likely entry point and never start from a workspace's operations (each
    takes X-Workspace-Id, which it reads as a reference to a resource nothing produces).
    Each scenario starts from the seeded dataset on a frozen clock that stays where it is,
    as ``serve --frozen-at`` keeps it: a started run stays pending, so a pause parks it at
    once, a resume finds it paused and a cancel ends it, however many calls lie between
    (on a clock that moves, a pause a few calls late only drains and the resume is a 409).
    Hypothesis is derandomized and the clock does not move, so every run explores the same
    scenarios with the same answers. Checks are off: the steered test above holds them."""
    config = SchemathesisConfig.from_dict({
        "headers": {WORKSPACE_HEADER: ACME},
        "auth": {"openapi": {"ApiKeyAuth": {"bearer": DEMO_KEY}}},
        "phases": {"stateful": {"inference": {"algorithms": []}}},
        "generation": {"mode": "positive"},
        "checks": {"enabled": False},
    })
    schema = schemathesis.openapi.from_path(spec, config=config).include(
        path_regex=r"^/api/v1/workflows")
    schema.app = app
    engine = mock_of(app).engine
    reached: set[str] = set()

    class FromOutside(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            control.reset(engine)
            control.set_clock(engine, frozen_at=FROZEN_AT)

        def after_call(self, response: Any, case: Any) -> None:
            if 200 <= response.status_code < 300:
                reached.add(case.operation.label)

    FromOutside.run(settings=OUTSIDE_SETTINGS)
    return reached


def test_the_links_and_examples_alone_reach_the_run_operations(tmp_path: Path) -> None:
    """Before the links from a read workflow, a listed one, a paused, resumed or polled
    run, and the create example with a runnable graph, this run reached 14 operations and
    no run command (every start met a graph that cannot run). With them, on a clock moving
    half a second per call in 800 scenarios of 15 steps (all data), 16 to 20: a start in
    every run, a pause and a cancel in 1 of 6, a resume in none (a pause came too late to
    park the run, or a cancel came first). Now (the list's link to a create with the
    example's graph, read and polled runs linked to pause and resume, a clock that stays
    put, 300 scenarios of 60 steps of valid data): 24, every run command and run read, in
    5 of 5 runs, and in 10 of 10 runs on random exploration seeds (resume answered 2xx 5
    to 33 times a run, pause 31 to 91)."""
    # Plain answers: Schemathesis' WSGI calls ask for gzip/br and do not decode them (the
    # links read ids from the bodies).
    app = create_app(make_settings(fixtures_path=small_fixtures(tmp_path),
                                   compress_responses=False))
    app.testing = True
    reached = reached_operations(app)
    print(f"stateful phase reached {len(reached)} operations: {sorted(reached)}")
    missing = (RUN_COMMANDS | RUN_READS) - reached
    assert not missing, sorted(missing)
