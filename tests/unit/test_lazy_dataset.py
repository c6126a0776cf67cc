"""Large workspaces built on read (issue 9, Scale): list rows come from the seed, runs are
built when read, and neither the reading order nor the process changes a single byte."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import ACME, GLOBEX, KEY, assert_error, bearer, make_settings, ok

from mockserver.app import create_app, mock_of
from mockserver.errors import StartupError
from mockserver.world.state.run_table import SEEDED_RUN_BOUND

BIG = "a1000000-0000-4000-8000-000000000001"
BIG_USER = "b1000000-0000-4000-8000-000000000001"
BIG_KEY = "op_live_bigWorkspaceKeyForLazyTests000001"
HEADERS = bearer(BIG_KEY)
WORKFLOWS = "/api/v1/workflows"


def big_fixtures(directory: Path, workflows: int, runs: int, **extra: int) -> Path:
    options = "".join(f", {name}: {value}" for name, value in extra.items())
    path = directory / f"big-{workflows}x{runs}.yaml"
    path.write_text(textwrap.dedent(f"""\
        workspaces:
          - {{id: {BIG}, name: Big, slug: big, credit_balance: 1000000,
              concurrent_run_limit: 5, workflow_count: {workflows},
              runs_per_workflow: {runs}{options}}}
        users:
          - {{id: {BIG_USER}, name: Bea Big, email: bea@big.example}}
        memberships:
          - {{workspace: {BIG}, user: {BIG_USER}, role: admin}}
        api_keys:
          - {{id: c1000000-0000-4000-8000-000000000001, name: big, key: {BIG_KEY},
              workspace: {BIG}, user: {BIG_USER},
              scopes: [workflows:read, workflows:run, workflows:write]}}
        """), encoding="utf-8")
    return path


def big_app(directory: Path, workflows: int, runs: int, **settings: Any) -> Flask:
    return create_app(make_settings(fixtures_path=big_fixtures(directory, workflows, runs),
                                    **settings))


@pytest.fixture(scope="module")
def huge(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """10,000 workflows of 100 runs each: a million runs, none built up front."""
    return big_app(tmp_path_factory.mktemp("huge"), 10_000, 100)


def built_runs(app: Flask) -> int:
    return dict.__len__(mock_of(app).world.workspace(BIG).runs)


def every(client: FlaskClient, path: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    """Every item of a paged list, page after page."""
    items: list[dict[str, Any]] = []
    while True:
        joiner = "&" if "?" in path else "?"
        page = client.get(f"{path}{joiner}limit=100&offset={len(items)}", headers=headers)
        data = ok(page)
        items += data
        if len(data) < 100:
            return items


def assert_row_matches_runs(client: FlaskClient, row: dict[str, Any],
                            headers: dict[str, str]) -> None:
    """The list row's aggregates are what the workflow's runs say when read."""
    runs = every(client, f"{WORKFLOWS}/{row['id']}/runs", headers)
    assert row["runs_count"] == len(runs)
    counted = Counter(run["status"] for run in runs)
    assert row["run_status_counts"] == {s: counted.get(s, 0) for s in row["run_status_counts"]}
    latest = max(runs, key=lambda run: (run["created_at"], run["run_number"]), default=None)
    assert row["last_run_at"] == (latest["created_at"] if latest else None)
    assert row["last_run_status"] == (latest["status"] if latest else None)


def body(client: FlaskClient, path: str, headers: dict[str, str]) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    document = response.get_json()
    document.pop("meta")
    return json.dumps(document, sort_keys=True)


# -- a million runs ----------------------------------------------------------------------------

def test_a_million_run_workspace_lists_without_building_a_run(huge: Flask) -> None:
    client = huge.test_client()
    first = client.get(f"{WORKFLOWS}?sort=runs_count&limit=20", headers=HEADERS).get_json()
    assert first["pagination"]["total"] == 10_000
    assert [row["runs_count"] for row in first["data"]] == [100] * 20
    deep = client.get(f"{WORKFLOWS}?offset=9000&limit=20", headers=HEADERS).get_json()
    assert deep["pagination"]["total"] == 10_000 and len(deep["data"]) == 20
    assert built_runs(huge) == 0


def test_deep_pages_keep_the_runs_count_order_and_join_up(huge: Flask) -> None:
    """Sorted by runs_count: the 9,091 workflows with a graph (100 runs) come first, by id,
    then the 909 placeholders (no runs); pages taken at different offsets line up."""
    client = huge.test_client()
    straddle = ok(client.get(f"{WORKFLOWS}?sort=runs_count&offset=9085&limit=10",
                             headers=HEADERS))
    assert [row["runs_count"] for row in straddle] == [100] * 6 + [0] * 4
    assert [row["id"] for row in straddle[:6]] == sorted(row["id"] for row in straddle[:6])
    wide = ok(client.get(f"{WORKFLOWS}?sort=runs_count&offset=9075&limit=20", headers=HEADERS))
    assert wide[10:] == straddle
    ascending = ok(client.get(f"{WORKFLOWS}?sort=runs_count&order=asc&limit=5",
                              headers=HEADERS))
    assert [row["runs_count"] for row in ascending] == [0] * 5


def test_deep_rows_agree_with_the_runs_read_afterwards(huge: Flask) -> None:
    client = huge.test_client()
    rows = ok(client.get(f"{WORKFLOWS}?offset=9000&limit=4", headers=HEADERS))
    rows += ok(client.get(f"{WORKFLOWS}?sort=runs_count&offset=9088&limit=4", headers=HEADERS))
    for row in rows:
        assert_row_matches_runs(client, row, HEADERS)
    run = ok(client.get(f"{WORKFLOWS}/{rows[0]['id']}/runs?limit=1", headers=HEADERS))[0]
    detail = ok(client.get(f"{WORKFLOWS}/{rows[0]['id']}/runs/{run['id']}", headers=HEADERS))
    assert detail["id"] == run["id"]
    ok(client.get(f"{WORKFLOWS}/{rows[0]['id']}/runs/{run['id']}/data?limit=50",
                  headers=HEADERS))


# -- the default dataset and the clock -------------------------------------------------------

@pytest.mark.parametrize("frozen_days_after_epoch", [14, -30, 0])
def test_default_rows_agree_with_their_runs_at_any_clock(frozen_days_after_epoch: int) -> None:
    """The seed's account holds once the runs have settled; before that (a clock set back
    before the dataset, or right at its epoch) the runs are built and folded instead."""
    epoch = make_settings().dataset_epoch
    app = create_app(make_settings(frozen_at=epoch + timedelta(days=frozen_days_after_epoch)))
    client = app.test_client()
    for headers in (KEY, bearer(ok(client.post("/__mock/workspaces", json={}))["api_key"])):
        for row in every(client, WORKFLOWS, headers):
            assert_row_matches_runs(client, row, headers)


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_seeded_runs_reach_the_seeds_statuses_within_the_bound(seed: int) -> None:
    """What a list row says before the runs exist is what folding them says afterwards."""
    app = create_app(make_settings(seed=seed))
    world = mock_of(app).world
    for workspace_id in (ACME, GLOBEX):
        table = world.workspace(workspace_id).runs
        for workflow_id, seeded in table.pending_seeded().items():
            runs = table.of_workflow(workflow_id)
            assert len(runs) == seeded.count
            if not runs:
                continue
            latest = max(runs, key=lambda run: (run.created_at, run.run_number))
            settled = max(run.created_at for run in runs) + SEEDED_RUN_BOUND / seeded.speed
            assert seeded.decided_at(settled)
            assert Counter(run.timeline(settled).status for run in runs) == Counter(
                seeded.statuses)
            assert (latest.created_at, latest.timeline(settled).status) == (
                seeded.latest_at, seeded.latest_status)
            for run in runs:
                assert run.plan.queue_ms + run.plan.end_ms < SEEDED_RUN_BOUND / timedelta(
                    milliseconds=1) / 10


# -- byte-identity, whatever is built first --------------------------------------------------

def _tour(client: FlaskClient, deep_first: bool) -> dict[str, str]:
    """The list pages, then one deep workflow and its run (or the other way round)."""
    lists = [f"{WORKFLOWS}?sort=runs_count&offset=250&limit=20",
             f"{WORKFLOWS}?limit=100&include_definition=true", f"{WORKFLOWS}?status=failed"]
    row = ok(client.get(f"{WORKFLOWS}?sort=runs_count&offset=250&limit=1", headers=HEADERS))[0]
    base = f"{WORKFLOWS}/{row['id']}"
    run_id = ok(client.get(f"{base}/runs?limit=1&offset=3", headers=HEADERS))[0]["id"]
    deep = [base, f"{base}/uploads", f"{base}/runs/summary", f"{base}/runs/{run_id}",
            f"{base}/runs/{run_id}/steps?include_result=true",
            f"{base}/runs/{run_id}/data?include_dropped=true"]
    order = deep + lists if deep_first else lists + deep
    return {path: body(client, path, HEADERS) for path in order}


def test_bodies_do_not_depend_on_what_was_built_first(tmp_path: Path) -> None:
    lazy = big_app(tmp_path, 300, 12)
    eager = big_app(tmp_path, 300, 12)
    state = mock_of(eager).world.workspace(BIG)
    state.runs.build_all()
    state.uploads.values()  # builds every upload
    assert _tour(lazy.test_client(), deep_first=True) == _tour(eager.test_client(),
                                                               deep_first=False)


_PROCESS_TOUR = """
import json, sys
sys.path.insert(0, sys.argv[1])
from support import make_settings
from test_lazy_dataset import _tour
from mockserver.app import create_app
from pathlib import Path
app = create_app(make_settings(fixtures_path=Path(sys.argv[2])))
print(json.dumps(_tour(app.test_client(), deep_first=sys.argv[3] == "deep")))
"""


def test_another_process_and_order_give_the_same_bytes(tmp_path: Path) -> None:
    """Different PYTHONHASHSEED, different reading order: the same bodies."""
    fixtures = big_fixtures(tmp_path, 300, 12)
    here = Path(__file__).parent
    paths = os.pathsep.join([str(here), str(here.parent)])
    tours = []
    for hash_seed, order in (("0", "deep"), ("4242", "lists")):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": paths}
        done = subprocess.run([sys.executable, "-c", _PROCESS_TOUR, str(here.parent),
                               str(fixtures), order], env=env, capture_output=True,
                              text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        tours.append(json.loads(done.stdout))
    assert tours[0] == tours[1]


# -- writes on runs that are not built yet ---------------------------------------------------

def test_writes_on_a_lazily_built_workspace(tmp_path: Path) -> None:
    app = big_app(tmp_path, 400, 30)
    fresh = big_app(tmp_path, 400, 30).test_client()
    client = app.test_client()
    rows = ok(client.get(f"{WORKFLOWS}?sort=name&offset=300&limit=3", headers=HEADERS))
    started_on, renamed, deleted = rows
    assert built_runs(app) == 0

    run = ok(client.post(f"{WORKFLOWS}/{started_on['id']}/runs", json={}, headers=HEADERS),
             202)
    assert run["run_number"] == 31
    after = ok(client.get(f"{WORKFLOWS}/{started_on['id']}", headers=HEADERS))
    assert after["runs_count"] == 31 and after["last_run_status"] == run["status"]
    assert_row_matches_runs(client, after, HEADERS)
    ok(client.post(f"{WORKFLOWS}/{started_on['id']}/runs/{run['id']}/cancel", headers=HEADERS))
    cancelled = ok(client.get(f"{WORKFLOWS}/{started_on['id']}", headers=HEADERS))
    assert cancelled["last_run_status"] == "cancelled"
    assert cancelled["run_status_counts"]["cancelled"] == (
        started_on["run_status_counts"]["cancelled"] + 1)

    ok(client.patch(f"{WORKFLOWS}/{renamed['id']}", json={"name": "Renamed"}, headers=HEADERS))
    first_run = ok(client.get(f"{WORKFLOWS}/{renamed['id']}/runs?limit=1", headers=HEADERS))[0]
    run_path = f"{WORKFLOWS}/{renamed['id']}/runs/{first_run['id']}"
    assert body(client, run_path, HEADERS) == body(fresh, run_path, HEADERS)

    ok(client.delete(f"{WORKFLOWS}/{deleted['id']}", headers=HEADERS))
    listed = client.get(f"{WORKFLOWS}?sort=name&offset=300&limit=3", headers=HEADERS).get_json()
    assert listed["pagination"]["total"] == 399
    assert deleted["id"] not in [row["id"] for row in listed["data"]]
    assert_error(client.get(f"{WORKFLOWS}/{deleted['id']}", headers=HEADERS), 404, "NOT_FOUND")


def test_a_forced_run_and_loaded_fixtures_on_a_lazy_workspace(tmp_path: Path) -> None:
    app = big_app(tmp_path, 300, 10)
    client = app.test_client()
    row = ok(client.get(f"{WORKFLOWS}?offset=200&limit=1", headers=HEADERS))[0]
    run = ok(client.post(f"{WORKFLOWS}/{row['id']}/runs", json={}, headers=HEADERS), 202)
    ok(client.post(f"/__mock/runs/{run['id']}/force", json={"status": "failed"}))
    forced = ok(client.get(f"{WORKFLOWS}/{row['id']}", headers=HEADERS))
    assert forced["last_run_status"] == "failed"
    assert_row_matches_runs(client, forced, HEADERS)
    loaded = textwrap.dedent(f"""\
        workflows:
          - workspace: {BIG}
            id: d1000000-0000-4000-8000-000000000001
            name: Pinned into a big workspace
            runs: [{{status: completed}}, {{status: failed}}]
        """)
    ok(client.post("/__mock/fixtures", data=loaded, content_type="application/yaml"))
    listed = client.get(f"{WORKFLOWS}?search=pinned+into", headers=HEADERS).get_json()
    assert listed["pagination"]["total"] == 1
    assert listed["data"][0]["runs_count"] == 2
    assert_row_matches_runs(client, listed["data"][0], HEADERS)
    assert client.get(WORKFLOWS, headers=HEADERS).get_json()["pagination"]["total"] == 301


def test_another_worker_replays_writes_onto_its_own_lazy_dataset(tmp_path: Path) -> None:
    """Two apps over one SQLite log, as two `serve` workers: the one that did not write
    (and built nothing) shows the write on top of the dataset it generates itself."""
    state = f"sqlite:///{tmp_path / 'log.db'}"
    writer = big_app(tmp_path, 250, 20, state_url=state).test_client()
    reader_app = big_app(tmp_path, 250, 20, state_url=state)
    reader = reader_app.test_client()
    row = ok(writer.get(f"{WORKFLOWS}?sort=runs_count&offset=240&limit=1", headers=HEADERS))[0]
    assert row["runs_count"] == 0  # a placeholder cannot run: pick one that can
    row = ok(writer.get(f"{WORKFLOWS}?sort=runs_count&offset=200&limit=1", headers=HEADERS))[0]
    run = ok(writer.post(f"{WORKFLOWS}/{row['id']}/runs", json={}, headers=HEADERS), 202)
    path = f"{WORKFLOWS}/{row['id']}"
    seen = ok(reader.get(path, headers=HEADERS))
    assert seen["runs_count"] == 21 and seen["last_run_at"] == run["created_at"]
    run_path = f"{path}/runs/{run['id']}"
    assert body(reader, run_path, HEADERS) == body(writer, run_path, HEADERS)
    assert body(reader, f"{path}/runs?limit=100", HEADERS) == body(
        writer, f"{path}/runs?limit=100", HEADERS)


# -- sizes ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value"), [("workflow_count", 50_001),
                                              ("runs_per_workflow", 1_001),
                                              ("runs_per_workflow", -1)])
def test_workspace_sizes_are_bounded(tmp_path: Path, field: str, value: int) -> None:
    counts = {"workflow_count": 1, "runs_per_workflow": 1, field: value}
    path = big_fixtures(tmp_path, counts["workflow_count"], counts["runs_per_workflow"])
    with pytest.raises(StartupError, match=rf"workspaces\[0\]\.{field}"):
        create_app(make_settings(fixtures_path=path))


def test_created_workspaces_take_runs_per_workflow() -> None:
    client = create_app(make_settings()).test_client()
    made = ok(client.post("/__mock/workspaces", json={"workflow_count": 30,
                                                       "runs_per_workflow": 12}))
    rows = every(client, WORKFLOWS, bearer(made["api_key"]))
    assert len(rows) == 30
    assert {row["runs_count"] for row in rows} == {0, 12}


def test_settled_timelines_are_kept_for_a_bounded_number_of_runs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Read end to end, a huge workspace must not keep a timeline per run it ever read;
    a run that lost its kept timeline folds again to the same one."""
    from mockserver.world.runs import record

    monkeypatch.setattr(record.SETTLED_RUNS, "bound", 5)
    record.SETTLED_RUNS.clear()  # other tests' runs of the same ids may be kept
    world = mock_of(create_app(make_settings())).world
    runs = list(world.workspace(ACME).runs.values())
    now = world.clock.now()
    first = [run.timeline(now) for run in runs]
    kept = [run for run in runs if run.id in record.SETTLED_RUNS]
    assert 0 < len(kept) <= 5
    assert [run.timeline(now) for run in runs] == first


def _audio_urls(document: Any) -> list[str]:
    """Every card's playback link in a run data page."""
    if isinstance(document, dict):
        found = [document["playback_url"]] if document.get("playback_url") else []
        return found + [url for value in document.values() for url in _audio_urls(value)]
    if isinstance(document, list):
        return [url for value in document for url in _audio_urls(value)]
    return []


def test_a_file_link_builds_only_its_workflow_in_another_worker(tmp_path: Path) -> None:
    """A worker that never read the run serves its audio link by building one workflow."""
    reader = big_app(tmp_path, 300, 10).test_client()
    row = ok(reader.get(f"{WORKFLOWS}?sort=runs_count&offset=100&limit=1", headers=HEADERS))[0]
    base = f"{WORKFLOWS}/{row['id']}/runs"
    completed = ok(reader.get(f"{base}?status=completed&limit=1", headers=HEADERS))[0]
    data = reader.get(f"{base}/{completed['id']}/data?limit=50", headers=HEADERS).get_json()
    url = _audio_urls(data)[0]
    server = big_app(tmp_path, 300, 10)
    response = server.test_client().get(url[url.index("/files/"):])
    assert response.status_code == 200 and response.mimetype == "audio/wav"
    assert built_runs(server) == row["runs_count"]
