"""One builder for every workflow record (``state/records.workflow_record``): a seeded
workflow and one created through the API with the same fields differ only where they must."""

from __future__ import annotations

import copy
from dataclasses import fields

from flask.testing import FlaskClient
from support import ACME, KEY, ok

from mockserver.app import mock_of
from mockserver.world.state.records import SeededWorkflowRecord, WorkflowRecord

# What tells two workflows apart however they came to be: the id, the times, the owner.
MAY_DIFFER = {"id", "created_at", "updated_at", "user_id"}


def _values(record: WorkflowRecord) -> dict[str, object]:
    return {f.name: getattr(record, f.name) for f in fields(WorkflowRecord)}


def test_a_seeded_and_a_created_workflow_differ_only_in_id_times_and_owner(
        client: FlaskClient) -> None:
    state = mock_of(client.application).world.workspace(ACME)
    seeded = next(w for w in state.live_workflows()
                  if isinstance(w, SeededWorkflowRecord) and w.name_source == "user"
                  and w.description is not None)
    made = ok(client.post("/api/v1/workflows", headers=KEY, json={
        "name": seeded.name, "description": seeded.description,
        "definition": copy.deepcopy(seeded.definition)}), 201)
    created = state.workflows[made["id"]]
    assert type(created) is WorkflowRecord

    ours, theirs = _values(created), _values(seeded)
    differing = {name for name in ours if ours[name] != theirs[name]}
    assert {"id", "created_at"} <= differing <= MAY_DIFFER
    assert ours["definition"] == theirs["definition"]
    assert ours["workspace_id"] == theirs["workspace_id"] == ACME
    assert ours["deleted_at"] is theirs["deleted_at"] is None
