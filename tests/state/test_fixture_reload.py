"""A reloaded startup file (``serve --watch``) through the state engine: every process
sharing the log moves to it, a bad document changes nothing, and a process that starts
later folds from the reload (events about records the new file lacks are not replayed)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from support import FROZEN_AT, make_settings

from mockserver.app import create_app, mock_of
from mockserver.errors import FixtureError
from mockserver.testing import MockServer
from mockserver.world.service import control, workflows

FIXTURES = """\
workspaces:
  - {id: WS, name: QA, slug: qa, workflow_count: 2}
users:
  - {id: 22222222-2222-4222-8222-222222222222, name: Quinn QA, email: quinn@qa.example}
memberships:
  - {workspace: WS, user: 22222222-2222-4222-8222-222222222222, role: admin}
"""
FIRST = "11111111-1111-4111-8111-111111111111"
SECOND = "55555555-5555-4555-8555-555555555555"


def _document(workspace: str) -> str:
    return FIXTURES.replace("WS", workspace)


def test_reload_reaches_every_process_and_later_ones(tmp_path: Path) -> None:
    path = tmp_path / "fixtures.yaml"
    path.write_text(_document(FIRST), encoding="utf-8")
    settings = make_settings(fixtures_path=path, state_url=f"sqlite:///{tmp_path / 'state.db'}")
    first, other = (mock_of(create_app(settings)) for _ in range(2))
    # A write in the workspace the new file will not have.
    workflows.create_workflow(first.engine, FIRST, "22222222-2222-4222-8222-222222222222",
                              {"name": "Soon gone", "name_source": "user",
                               "definition": {}}, FROZEN_AT)

    with pytest.raises(FixtureError, match=r"fixtures.yaml:6: memberships\[0\]\.role"):
        control.replace_fixtures(first.engine, _document(FIRST).replace("admin", "boss"),
                                 str(path))
    assert first.world.known_workspace(FIRST)  # the bad document changed nothing

    path.write_text(_document(SECOND), encoding="utf-8")
    counts = control.replace_fixtures(first.engine, path.read_text(), str(path))
    assert counts["workspaces"] == 1
    other.engine.sync()
    for mock in (first, other):
        assert not mock.world.known_workspace(FIRST)
        assert len(mock.world.workspace(SECOND).live_workflows()) == 2

    later = mock_of(create_app(settings))  # folds the log from the reload on
    assert later.world.known_workspace(SECOND) and not later.world.known_workspace(FIRST)


def test_a_reload_keeps_journal_and_coverage(tmp_path: Path) -> None:
    path = tmp_path / "fixtures.yaml"
    path.write_text(_document(FIRST), encoding="utf-8")
    with MockServer(make_settings(fixtures_path=path)) as server:
        httpx.get(f"{server.url}/api/v1/nodes")
        control.replace_fixtures(server.engine, _document(SECOND), str(path))
        assert len(server.requests()) == 1
        assert server.coverage()["requests"] == 1
        assert server.world.known_workspace(SECOND)
