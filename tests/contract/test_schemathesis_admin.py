"""Schemathesis over every operation of the control API (admin-openapi.yaml), in-process.

All default checks run, positive and negative data alike, against a throwaway app whose
world and clock are put back to their startup state before every state-changing case (and
at the first case of each GET operation), so reset, clock, fixtures, workspaces and forced
runs cannot leak into the next case and every failure replays alone. Hypothesis is
derandomized.

Documented adjustments; none changes negative data, and only the fixtures one (below)
widens a check, for one operation:

* Two out of three valid ``run_id``s are aimed at a seeded Acme run (any status), so
  forcing is exercised for real (200 / 409), not only as 404s.
* Half of the valid file ``token``s are replaced by a fresh signed link to a run export
  (ZIP) or an upload (TXT, CSV, PDF), so the 200 path is checked too; for a PUT, by the
  upload_url of a fresh pending ``.txt`` upload.
* A schema-valid fixture document may still break a rule JSON Schema cannot state (a
  reference to an unknown workspace, a bad graph); for ``mock_fixtures_load`` only, a 422
  answer to positive data is accepted (``CONFIG``). For the file links (``mock_file``,
  ``mock_file_head``) a 416 is, for a well-formed Range starting past the file's end.
"""

from __future__ import annotations

import atexit
import hashlib
import re
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from support import ACME, ADA, FROZEN_AT, KEY, make_settings

from mockserver.app import create_app, mock_of
from mockserver.settings import DEFAULT_ADMIN_SPEC, DEFAULT_FIXTURES
from mockserver.world.service import uploads
from mockserver.world.state.store import World

SEEDED_WORKFLOWS = 8  # per workspace; enough for a run in every status, cheap to regenerate


def small_fixtures() -> Path:
    """The packaged fixtures with fewer seeded workflows (the world is reset per case)."""
    text = re.sub(r"workflow_count: *\d+", f"workflow_count: {SEEDED_WORKFLOWS}",
                  DEFAULT_FIXTURES.read_text(encoding="utf-8"))
    directory = Path(tempfile.mkdtemp(prefix="onepin-admin-contract-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    path = directory / "fixtures.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# Plain answers: Schemathesis' WSGI calls ask for gzip/br and do not decode them.
APP = create_app(make_settings(strict_responses=False, fixtures_path=small_fixtures(),
                               compress_responses=False))
APP.testing = True
WORLD: World = mock_of(APP).world

# References between records (a membership's workspace, a key's user) and the graph rules
# cannot be said in JSON Schema: the mock answers such schema-valid documents with a 422
# naming the line and field, which is its documented behaviour.
# Likewise a well-formed Range header may start past the end of the file: 416 is the
# documented answer (the size is not known before the link is read).
CONFIG = SchemathesisConfig.from_dict({"operations": [{
    "include-operation-id": "mock_fixtures_load",
    "checks": {"positive_data_acceptance": {"expected-statuses": [
        "2xx", "401", "422"]}},
}, *({
    "include-operation-id": operation_id,
    "checks": {"positive_data_acceptance": {"expected-statuses": [
        "2xx", "401", "403", "404", "416"]}},
} for operation_id in ("mock_file", "mock_file_head")), {
    # The bytes PUT to an upload link are judged as a file of the upload's format: binary
    # data for a .txt, or a file past the size limit, is refused (422 / 413); a confirmed
    # upload takes no more (409).
    "include-operation-id": "mock_file_put",
    "checks": {"positive_data_acceptance": {"expected-statuses": [
        "2xx", "401", "403", "404", "409", "413", "422"]}},
}]})


schema = schemathesis.openapi.from_path(DEFAULT_ADMIN_SPEC, config=CONFIG)
schema.app = APP


def _digest(value: str) -> bytes:
    return hashlib.sha256(value.encode()).digest()


def _pick(options: list[str], seed: str) -> str:
    return options[_digest(seed)[0] % len(options)]


def _is_uuid(value: Any) -> bool:
    try:
        return bool(str(uuid.UUID(str(value))) == value)
    except ValueError:
        return False


LAST_OPERATION: list[str] = [""]


def fresh_world(case: Any) -> None:
    """Startup state: seeded world (regenerated on use), empty journal, frozen clock.

    GET operations change nothing, so their cases share one reset world (regenerating the
    seeded workspaces for every case would dominate the run time).
    """
    label = case.operation.label
    if case.method != "GET" or LAST_OPERATION[0] != label:
        WORLD.reset()
    LAST_OPERATION[0] = label
    WORLD.clock.freeze_at(FROZEN_AT)


def aim_run_id(case: Any) -> None:
    params = case.path_parameters or {}
    run_id = params.get("run_id")
    if run_id is None:
        return
    state = WORLD.workspace(ACME)  # generated, so its seeded runs can be found by id
    if not _is_uuid(run_id) or _digest(run_id)[1] < 85:
        return
    with state.lock:
        params["run_id"] = _pick(sorted(state.runs), run_id)


def signed_links() -> list[str]:
    """Tokens of fresh links to a run export and to an upload of every format in Acme."""
    state = WORLD.workspace(ACME)
    now, links = WORLD.clock.now(), WORLD.links
    tokens = []
    with state.lock:
        for run in sorted(state.runs.values(), key=lambda r: r.id):
            if run.timeline(now).status == "completed":
                tokens.append(links.make("", now, kind="export", ws=ACME, wf=run.workflow_id,
                                         run=run.id).url)
                break
        for fmt in ("txt", "csv", "pdf"):
            upload = min(u.id for u in state.uploads.values() if u.format == fmt)
            tokens.append(links.make("", now, kind="upload", ws=ACME, upload=upload).url)
    return [t.rsplit("/", 1)[1] for t in tokens]


def upload_link() -> str:
    """The token of a fresh upload's signed upload_url (a pending .txt upload of Acme)."""
    now = WORLD.clock.now()
    pending = uploads.create_upload(mock_of(APP).engine, ACME, ADA, "fuzz.txt", "script", now)
    url = WORLD.links.make("", now, kind="upload-put", ws=ACME, upload=pending.id).url
    return url.rsplit("/", 1)[1]


def aim_token(case: Any) -> None:
    params = case.path_parameters or {}
    token = params.get("token")
    if not isinstance(token, str) or not 1 <= len(token) <= 4096 or _digest(token)[1] < 128:
        return
    params["token"] = upload_link() if case.method == "PUT" else _pick(signed_links(), token)


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_admin_operation_conforms(case: Any) -> None:
    """Every control operation answers within its contract for valid and invalid input."""
    fresh_world(case)
    aim_run_id(case)
    aim_token(case)
    case.call_and_validate()


@pytest.mark.parametrize("instant", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:00:00Z"])
def test_extreme_freeze_at(instant: str) -> None:
    """A schema-valid freeze_at is refused or kept; the mock keeps answering afterwards."""
    app = create_app(make_settings())
    client = app.test_client()
    response = client.post("/__mock/clock", json={"freeze_at": instant})
    assert response.status_code in (200, 422), response.get_data(as_text=True)
    assert client.post("/__mock/tokens",
                       json={"user_id": "b11a6feb-8597-5691-a36d-7d425071868e"}).status_code \
        in (200, 422)
    assert client.get("/api/v1/workflows", headers=KEY).status_code == 200
