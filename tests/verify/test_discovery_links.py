"""Discovery follows a link that also passes the caller's X-Workspace-Id along (openapi.yaml's
links do, for tools that chain calls): the header is the caller's own, not a path value."""

from __future__ import annotations

import json

from mockserver.verify.contract import Link
from mockserver.verify.discovery import candidates
from mockserver.verify.exchange import Exchange


def test_a_link_with_the_workspace_header_still_gives_its_path_values() -> None:
    answer = Exchange("POST /api/v1/workflows/{workflow_id}/runs", "POST", "http://mock/x", {},
                      None, 202, {"content-type": "application/json"},
                      json.dumps({"data": {"id": "run-1"}}).encode())
    link = Link("GetStartedRun", "get_run", {
        "workflow_id": "$request.path.workflow_id", "run_id": "$response.body#/data/id",
        "header.X-Workspace-Id": "$request.header.X-Workspace-Id"})
    assert candidates(link, answer, {"workflow_id": "wf-1"}) == [
        {"workflow_id": "wf-1", "run_id": "run-1"}]
