"""Run views: SDK-parsable wire shapes and consistent behaviour over a run's life."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from onepin.types import (
    RunsSummaryOut,
    WorkflowRunAnalysisOut,
    WorkflowRunDataOut,
    WorkflowRunDetailOut,
    WorkflowRunListItem,
    WorkflowRunOut,
    WorkflowRunOutputsOut,
    WorkflowRunOverviewOut,
    WorkflowRunStatusOut,
    WorkflowRunStepOut,
)

from mockserver.world.catalog.catalog import Catalog
from mockserver.world.dataset import graphs
from mockserver.world.rng import stable_uuid
from mockserver.world.runs.billing import SETTLEMENT_MISSING, USAGE_MISSING, seeded_billing_gap
from mockserver.world.runs.lifecycle import Control
from mockserver.world.runs.plan import make_plan
from mockserver.world.runs.record import RunRecord
from mockserver.world.state.links import Link
from mockserver.world.state.records import WorkflowRecord
from mockserver.world.views.run_views import RunView, runs_summary

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
LINES = [
    "Welcome aboard the morning express to Berlin.",
    "Please keep your luggage with you at all times.",
    "The dining car is located in the middle of the train.",
    "We will arrive at the central station in forty minutes.",
]
WORKFLOW_ID = stable_uuid(0, "test-workflow", "views")
HEX16 = re.compile(r"[0-9a-f]{16}")


@cache
def catalog() -> Catalog:
    return Catalog.load()


def definition(seed: int = 1) -> dict[str, Any]:
    return graphs.make_definition(random.Random(seed), catalog(), script_lines=LINES,
                                  source_language="en-us", target_locales=["en-us", "de-de"])


WORKFLOW = WorkflowRecord(
    id=WORKFLOW_ID, workspace_id="ws-1", user_id="user-1", name="Station announcements",
    name_source="user", description=None, definition=definition(), created_at=T0,
    updated_at=T0,
)


def make_run(number: int = 1, *, fail: bool = False, seed: int = 1,
             controls: tuple[Control, ...] = (), created: datetime = T0) -> RunRecord:
    run_id = stable_uuid(0, "test-run", f"{number}:{seed}:{fail}")
    snapshot = definition(seed)
    return RunRecord(
        id=run_id, workflow_id=WORKFLOW_ID, workspace_id="ws-1", run_number=number,
        created_at=created, triggered_by={"user_id": "user-1", "user_name": "Ada Lovelace"},
        snapshot=snapshot, planned=make_plan(0, run_id, snapshot, catalog(), fail=fail),
        controls=list(controls),
    )


def audio_link(audio_id: str) -> Link:
    return Link(f"https://mock.test/files/{audio_id}", T0 + timedelta(minutes=15))


def view(run: RunRecord, at_ms: float) -> RunView:
    return RunView(run, WORKFLOW, run.created_at + timedelta(milliseconds=at_ms), catalog(),
                   audio_link)


def end_ms(run: RunRecord) -> int:
    return run.plan.queue_ms + run.plan.end_ms


def mid_ms(run: RunRecord) -> int:
    return run.plan.queue_ms + run.plan.end_ms // 2


def at(run: RunRecord, ms: float) -> datetime:
    return run.created_at + timedelta(milliseconds=ms)


def paused_run(reason: str = "provider_outage") -> RunRecord:
    base = make_run(2)
    return make_run(2, controls=(Control("pause", at(base, mid_ms(base)), reason),))


def cancelled_run() -> RunRecord:
    base = make_run(3)
    return make_run(3, controls=(Control("cancel", at(base, mid_ms(base))),))


def all_rows(v: RunView, **kw: Any) -> list[dict[str, Any]]:
    args: dict[str, Any] = {"search": None, "language": None, "include_dropped": False, **kw}
    return v.data_rows(**args)


def cards(v: RunView, **kw: Any) -> list[dict[str, Any]]:
    return [c for row in all_rows(v, **kw) for c in row["cards"]]


def with_retries() -> RunRecord:
    """A completed-run fixture whose plan has at least one rejected and retried take."""
    for seed in range(1, 60):
        run = make_run(9, seed=seed)
        if any(len(ll.takes) > 1 for ll in run.plan.line_locales):
            return run
    raise AssertionError("no definition seed yields a retry")


def scenarios() -> list[tuple[str, RunRecord, float]]:
    run, failed = make_run(1), make_run(4, fail=True)
    paused, cancelled = paused_run(), cancelled_run()
    return [
        ("pending", run, 500), ("mid-run", run, mid_ms(run)),
        ("completed", run, end_ms(run) + 1000),
        ("draining", paused, mid_ms(paused) + 1), ("paused", paused, end_ms(paused) * 2),
        ("cancelled", cancelled, end_ms(cancelled) + 1000),
        ("failed-mid", failed, mid_ms(failed)), ("failed", failed, end_ms(failed) + 1000),
    ]


SCENARIOS = scenarios()
IDS = [name for name, _, _ in SCENARIOS]


@pytest.mark.parametrize(("name", "run", "ms"), SCENARIOS, ids=IDS)
def test_every_view_parses_with_the_sdk(name: str, run: RunRecord, ms: float) -> None:
    """Every view at every lifecycle instant parses with the official 0.16.1 models."""
    v = view(run, ms)
    WorkflowRunOut.model_validate(v.out())
    WorkflowRunStatusOut.model_validate(v.status_out())
    WorkflowRunDetailOut.model_validate(v.detail_out())
    WorkflowRunListItem.model_validate(v.list_item())
    for step in v.steps(include_result=True, node_type=None, node_id=None):
        WorkflowRunStepOut.model_validate(step)
    WorkflowRunOverviewOut.model_validate(v.overview())
    WorkflowRunAnalysisOut.model_validate(v.analysis())
    WorkflowRunDataOut.model_validate(v.data_out(all_rows(v, include_dropped=True)))
    WorkflowRunOutputsOut.model_validate(v.outputs())
    RunsSummaryOut.model_validate(runs_summary([v], None, None))


@pytest.mark.parametrize(("name", "run", "ms"), SCENARIOS, ids=IDS)
def test_views_are_deterministic(name: str, run: RunRecord, ms: float) -> None:
    """Two views of the same run at the same instant are identical."""
    a, b = view(run, ms), view(run, ms)
    assert a.detail_out() == b.detail_out()
    assert a.overview() == b.overview() and a.analysis() == b.analysis()
    assert all_rows(a, include_dropped=True) == all_rows(b, include_dropped=True)


@pytest.mark.parametrize(("name", "run", "ms"), SCENARIOS, ids=IDS)
def test_wire_status_and_datetimes(name: str, run: RunRecord, ms: float) -> None:
    """Statuses come from the six-value set and datetimes are UTC ISO strings with Z."""
    out = view(run, ms).out()
    assert out["status"] in ("pending", "running", "paused", "completed", "failed", "cancelled")
    for key in ("created_at", "updated_at", "started_at", "completed_at", "paused_at"):
        assert out[key] is None or out[key].endswith("Z")
    assert out["updated_at"] >= out["created_at"]


@pytest.mark.parametrize("run", [make_run(1), make_run(4, fail=True), cancelled_run()],
                         ids=["completes", "fails", "cancelled"])
def test_counters_are_monotone_and_bounded(run: RunRecord) -> None:
    """finished_steps, token_cost, cards and delivered audio never shrink; finished <= total."""
    previous = (0, 0, 0, 0)
    for ms in range(0, end_ms(run) + 2000, 700):
        v = view(run, ms)
        out = v.out()
        assert out["finished_steps"] <= out["total_steps"]
        assert out["finished_nodes"] <= out["total_nodes"]
        current = (out["finished_steps"], out["token_cost"], len(cards(v)), v.delivered_audio_ms)
        assert all(now >= before for now, before in zip(current, previous, strict=True))
        previous = current


def test_pending_run_has_nothing_yet() -> None:
    """Before the queue delay ends: no start, no steps, no usage, rows without cards."""
    v = view(make_run(1), 500)
    out = v.out()
    assert out["status"] == "pending" and out["started_at"] is None
    assert out["finished_steps"] == 0 and out["token_cost"] == 0
    assert out["usage_summary"] is None and out["credits"] is None
    assert v.steps(include_result=False, node_type=None, node_id=None) == []
    rows = all_rows(v)
    assert len(rows) == len(LINES) and all(row["cards"] == [] for row in rows)
    assert v.data_out(rows)["partial"]["status"] == "not_ready"


@pytest.mark.parametrize(("name", "run", "ms"), SCENARIOS, ids=IDS)
def test_credits_only_once_terminal(name: str, run: RunRecord, ms: float) -> None:
    """credits stay unsettled until the run is terminal; a paused run shows its spend so far
    as a partial credit block, other live runs none."""
    v = view(run, ms)
    terminal = v.status in ("completed", "failed", "cancelled")
    assert (v.out()["credits"] is not None) == terminal
    assert "credits" not in v.status_out()
    credits = v.analysis()["credits"]
    if v.status == "paused":
        assert (credits["status"], credits["reason"]) == ("partial", "run_paused")
        assert credits["charged"] is None and credits["minimum_charge_fractional"] is None
        assert sum(float(r["credits_fractional"]) for r in credits["rows"]) == pytest.approx(
            float(credits["total_fractional"]))
    elif not terminal:
        assert credits["status"] == "unavailable" and credits["reason"] == "run_not_settled"
    if not terminal:
        assert v.outputs()["credits"] is None


@pytest.mark.parametrize(("name", "run", "ms"), SCENARIOS, ids=IDS)
def test_has_export_only_when_completed(name: str, run: RunRecord, ms: float) -> None:
    """has_export is true exactly for the completed run (which has audio)."""
    v = view(run, ms)
    assert v.out()["has_export"] == (v.status == "completed")
    assert v.overview()["run"]["has_export"] == (v.status == "completed")


@pytest.mark.parametrize(("name", "run", "ms"), SCENARIOS, ids=IDS)
def test_held_nodes_only_while_paused(name: str, run: RunRecord, ms: float) -> None:
    """held_nodes is a list of {node_id, locales} while paused and null otherwise."""
    out = view(run, ms).out()
    if out["status"] != "paused":
        assert out["held_nodes"] is None
        return
    assert out["held_nodes"], "a run paused mid-plan waits in front of some node"
    node_ids = {n["id"] for n in run.snapshot["graph"]["nodes"]}
    for held in out["held_nodes"]:
        assert held["node_id"] in node_ids
        assert held["locales"] == sorted(set(held["locales"]))


def test_automatic_pause_drains_then_parks_with_an_error() -> None:
    """An outage pause shows running+pause_requested_at, then paused with pause_error."""
    run = paused_run("provider_outage")
    draining = view(run, mid_ms(run) + 1).out()
    assert draining["status"] == "running" and draining["pause_requested_at"] is not None
    assert draining["pause_reason"] == "provider_outage" and draining["held_nodes"] is None
    parked = view(run, end_ms(run) * 2).out()
    assert parked["status"] == "paused" and parked["paused_at"] is not None
    assert parked["pause_reason"] == "provider_outage" and parked["pause_error"]
    assert parked["paused_ms"] > 0 and parked["completed_at"] is None


def test_paused_ms_grows_while_paused_and_freezes_after_resume() -> None:
    """paused_ms counts the ongoing pause and is excluded from the active duration."""
    base = paused_run("user")
    pause_at = base.controls[0].at
    resume_at = pause_at + timedelta(seconds=30)
    run = make_run(2, controls=(base.controls[0], Control("resume", resume_at)))
    early = view(run, mid_ms(run) + 10_000).paused_ms
    later = view(run, mid_ms(run) + 20_000).paused_ms
    assert 0 < early < later
    done = view(run, end_ms(run) + 60_000)
    assert done.status == "completed" and done.out()["pause_reason"] is None
    wall = (done.completed_at - done.started_at).total_seconds()  # type: ignore[operator]
    assert done.active_duration_seconds == pytest.approx(wall - done.paused_ms / 1000)
    assert view(run, mid_ms(run) + 10_000).out()["pause_error"] is None  # manual pause


def test_failed_run_reports_its_error_everywhere() -> None:
    """A failed run carries plan.error on the run, its failed step and the overview."""
    run = make_run(4, fail=True)
    v = view(run, end_ms(run) + 1000)
    assert v.status == "failed" and v.out()["error"] == run.plan.error
    failed = [s for s in v.steps(include_result=False, node_type=None, node_id=None)
              if s["status"] == "failed"]
    assert len(failed) == 1 and failed[0]["error"] == run.plan.error
    assert v.overview()["run"]["error"] == run.plan.error
    assert all(c["status"] == "not_delivered" for c in cards(v))
    assert v.data_out([])["partial"]["status"] == "available"


def test_cancelled_run_parks_its_running_step() -> None:
    """Cancelling mid-run turns in-flight steps into cancelled rows that count as finished."""
    run = cancelled_run()
    v = view(run, end_ms(run) + 1000)
    out = v.out()
    steps = v.steps(include_result=False, node_type=None, node_id=None)
    assert out["status"] == "cancelled" and isinstance(out["credits"], int)
    assert any(s["status"] == "cancelled" for s in steps)
    assert out["finished_steps"] == out["total_steps"] == len(steps)


def test_step_filters_and_together() -> None:
    """node_type and node_id narrow the step rows independently and together."""
    v = view(make_run(1), end_ms(make_run(1)) + 1000)
    everything = v.steps(include_result=False, node_type=None, node_id=None)
    generator = v.steps(include_result=False, node_type="operator_generator", node_id=None)
    assert generator and all(s["node_type"] == "operator_generator" for s in generator)
    node_id = everything[0]["node_id"]
    by_id = v.steps(include_result=False, node_type=None, node_id=node_id)
    assert by_id and all(s["node_id"] == node_id for s in by_id)
    assert v.steps(include_result=False, node_type="operator_generator", node_id=node_id) == []
    assert len({s["id"] for s in everything}) == len(everything)


def test_step_results_only_when_asked() -> None:
    """result is null by default; with include_result generator rows carry playback URLs."""
    run = make_run(1)
    v = view(run, end_ms(run) + 1000)
    assert all(s["result"] is None
               for s in v.steps(include_result=False, node_type=None, node_id=None))
    rows = v.steps(include_result=True, node_type="operator_generator", node_id=None)
    audio = [a for row in rows for a in row["result"]["audio"]]
    assert audio and all(a["playback_url"].endswith(a["audio_id"]) for a in audio)
    assert all(s["has_result"] and s["active_ports"] for s in rows)


def test_data_search_narrows_rows_case_insensitively() -> None:
    """search keeps only rows whose script contains the text, ignoring case."""
    v = view(make_run(1), end_ms(make_run(1)) + 1000)
    rows = all_rows(v, search="LUGGAGE")
    assert [r["line_index"] for r in rows] == [1]
    assert all_rows(v, search="no such words") == []


def test_data_language_narrows_cards_only() -> None:
    """language (with _ normalised, any case) filters cards but keeps every row."""
    v = view(make_run(1), end_ms(make_run(1)) + 1000)
    rows = all_rows(v, language="DE_de")
    assert len(rows) == len(LINES)
    assert {c["locale_code"] for r in rows for c in r["cards"]} == {"de-de"}
    assert len(cards(v)) == 2 * len(cards(v, language="de-de"))


def test_data_cards_embed_audio_ids_and_playback() -> None:
    """Cards carry the 16-hex audio id in their id and a playback URL for available audio."""
    v = view(make_run(1), end_ms(make_run(1)) + 1000)
    for card in cards(v):
        audio_id = card["id"].rsplit(":", 1)[1]
        assert HEX16.fullmatch(audio_id) and v.find_audio(audio_id)
        assert card["audio"]["status"] == "available"
        assert card["audio"]["playback_url"].endswith(audio_id)
        assert card["status"] == "delivered"
        assert card["retry_count"] >= 0


def test_include_dropped_adds_rejected_takes() -> None:
    """include_dropped adds earlier rejected takes as status=dropped cards with verdicts."""
    run = with_retries()
    v = view(run, end_ms(run) + 1000)
    plain, full = cards(v), cards(v, include_dropped=True)
    dropped = [c for c in full if c["status"] == "dropped"]
    assert dropped and len(full) == len(plain) + len(dropped)
    assert all(c["dropped"]["verdicts"] and c["rejected"]["verdicts"] for c in dropped)
    assert all(c["status"] != "dropped" for c in plain)


def test_error_rate_segments_point_into_the_script() -> None:
    """WER validations carry error counts and segments whose offsets slice the card script."""
    checked = 0
    for seed in range(1, 40):
        run = make_run(11, seed=seed)
        v = view(run, end_ms(run) + 1000)
        for card in cards(v, include_dropped=True):
            for entry in card["validations"]:
                if entry["kind"] != "wer":
                    continue
                counts = entry["error_counts"]
                assert counts["reference_units"] > 0 and entry["scored_on"] in ("wer", "cer")
                for seg in entry["segments"]:
                    assert card["script"][seg["start"]:seg["end"]] == seg["text"]
                    checked += 1
    assert checked, "some WER verdict flagged a word"


@pytest.mark.parametrize(("name", "run", "ms"), SCENARIOS, ids=IDS)
def test_counts_agree_across_views(name: str, run: RunRecord, ms: float) -> None:
    """List, overview, analysis, data and outputs report the same delivered lines and audio."""
    v = view(run, ms)
    delivered = [c for c in cards(v) if c["status"] == "delivered"]
    item, overview, analysis = v.list_item(), v.overview(), v.analysis()
    metrics = {m["key"]: m for m in overview["metric_sections"][0]["metrics"]}
    assert item["output_line_count"] == len(delivered) == metrics["output_lines"]["value"]
    audio_ms = sum(c["audio"]["duration_ms"] for c in delivered)
    assert item["delivered_audio_ms"] == audio_ms == analysis["audio"]["delivered_total_ms"]
    assert sum(x["total_duration_ms"] for x in overview["audio_by_language"]) == audio_ms
    assert sum(x["delivered_line_count"] for x in analysis["audio"]["by_locale"]) == len(
        delivered)
    for sink in v.outputs()["outputs"]:
        assert sink["line_count"] == len(sink["lines"])
        assert sink["line_count"] in (0, len(delivered))


def test_analysis_credits_add_up_once_settled() -> None:
    """Settled credit rows sum to total_fractional and charged equals the run's credits."""
    run = make_run(1)
    v = view(run, end_ms(run) + 1000)
    credits = v.analysis()["credits"]
    assert credits["status"] == "ok"
    rows_total = sum(float(r["credits_fractional"]) for r in credits["rows"])
    assert rows_total == pytest.approx(float(credits["total_fractional"]))
    assert credits["charged"] == v.out()["credits"] == v.outputs()["credits"]
    assert sum(r["processed_units"] for r in credits["rows"]) == v.out()["token_cost"]


def test_lost_usage_record_moves_its_spend_to_unattributed() -> None:
    """A node whose usage record is lost reads "missing"; the total and charge still stand."""
    run = make_run(1)
    run.billing_gap = USAGE_MISSING
    v = view(run, end_ms(run) + 1000)
    credits = v.analysis()["credits"]
    missing = [r for r in credits["rows"] if r["status"] == "missing"]
    assert [r["node_type"] for r in missing] == ["operator_generator"]
    assert missing[0]["credits_fractional"] is None and missing[0]["processed_units"] is None
    recorded = sum(float(r["credits_fractional"]) for r in credits["rows"]
                   if r["credits_fractional"] is not None)
    assert float(credits["unattributed_fractional"]) > 0
    assert recorded + float(credits["unattributed_fractional"]) == pytest.approx(
        float(credits["total_fractional"]))
    assert credits["status"] == "ok" and credits["charged"] == v.out()["credits"] > 0
    WorkflowRunAnalysisOut.model_validate(v.analysis())


def test_lost_settlement_leaves_the_run_uncharged_everywhere() -> None:
    """With its settlement lost a finished run has rows and a total but no charge anywhere."""
    run = make_run(1)
    run.billing_gap = SETTLEMENT_MISSING
    v = view(run, end_ms(run) + 1000)
    credits = v.analysis()["credits"]
    assert (credits["status"], credits["reason"]) == ("partial", "settlement_missing")
    assert credits["charged"] is None and credits["minimum_charge_fractional"] is None
    assert float(credits["total_fractional"]) > 0
    assert credits["unattributed_fractional"] == "0.000000"
    assert v.out()["credits"] is None and v.outputs()["credits"] is None
    assert v.detail_out()["credits_absorbed"] == 0.0
    metric = next(m for m in v.overview()["metric_sections"][0]["metrics"] if m["key"] == "credits")
    assert metric["value"] is None
    assert v.analysis()["run"]["status"] == "completed"


def test_billing_gaps_only_touch_finished_runs() -> None:
    """A billing gap shows only once a run is finished; mid-run the block is unsettled as ever."""
    run = make_run(1)
    run.billing_gap = SETTLEMENT_MISSING
    assert view(run, mid_ms(run)).analysis()["credits"]["reason"] == "run_not_settled"
    assert seeded_billing_gap(0, run.id, "running") is None


def test_outputs_list_every_sink_in_graph_order() -> None:
    """Outputs have one entry per sink node, empty before the sink finishes, full after."""
    run = make_run(1)
    sinks = [n["id"] for n in run.snapshot["graph"]["nodes"] if n["type"] == "sink_preview"]
    mid = view(run, mid_ms(run)).outputs()["outputs"]
    done = view(run, end_ms(run) + 1000).outputs()["outputs"]
    assert [o["node_id"] for o in mid] == [o["node_id"] for o in done] == sinks
    assert all(o["lines"] == [] and o["status"] == "pending" for o in mid)
    for sink in done:
        assert sink["status"] == "completed" and sink["line_count"] == len(LINES) * 2
        line = sink["lines"][0]
        assert line["audio_files"][line["recommended_audio_file_index"]]["url"]
        assert isinstance(line["delivery"]["passed"], bool)


def test_overview_snapshot_and_validators() -> None:
    """The overview echoes the snapshot, one state per started node and each validator."""
    run = make_run(1)
    overview = view(run, end_ms(run) + 1000).overview()
    snapshot = overview["workflow_snapshot"]
    assert snapshot["definition"] == run.snapshot
    assert len(snapshot["node_states"]) == len(run.snapshot["graph"]["nodes"])
    validators = [n["id"] for n in run.snapshot["graph"]["nodes"]
                  if n["type"].startswith("validator_")]
    assert [x["node_id"] for x in overview["validators"]] == validators
    assert overview["workflow"] == {"id": WORKFLOW.id, "name": WORKFLOW.name}


def test_list_item_omits_detail_only_fields() -> None:
    """List rows drop workflow_id, token_cost, updated_at, error, has_export and held_nodes."""
    item = view(make_run(1), 10_000).list_item()
    for key in ("workflow_id", "token_cost", "updated_at", "error", "has_export", "held_nodes"):
        assert key not in item


def _summary_views() -> list[RunView]:
    runs = [make_run(1), make_run(4, fail=True), cancelled_run(), paused_run(),
            make_run(5, created=T0 + timedelta(hours=1))]
    return [RunView(r, WORKFLOW, T0 + timedelta(hours=3), catalog(), audio_link) for r in runs]


def test_runs_summary_counts_and_formulas() -> None:
    """total = sum of counts; pass_rate = completed/(completed+failed); audio over completed."""
    views = _summary_views()
    summary = runs_summary(views, None, None)
    counts = {k: summary[k] for k in
              ("pending", "running", "paused", "completed", "failed", "cancelled")}
    assert summary["total_runs"] == sum(counts.values()) == len(views)
    assert counts["completed"] == 2 and counts["failed"] == 1 and counts["cancelled"] == 1
    assert summary["pass_rate"] == pytest.approx(2 / 3)
    completed = [v for v in views if v.status == "completed"]
    assert summary["delivered_audio_ms"] == sum(v.delivered_audio_ms for v in completed)
    assert summary["average_duration_seconds"] == pytest.approx(
        sum(v.active_duration_seconds or 0 for v in completed) / 2)


def test_runs_summary_window_is_inclusive() -> None:
    """from/to filter created_at inclusively; an empty window has null rates."""
    views = _summary_views()
    later = T0 + timedelta(hours=1)
    assert runs_summary(views, later, later)["total_runs"] == 1
    assert runs_summary(views, None, T0)["total_runs"] == 4
    empty = runs_summary(views, T0 + timedelta(days=1), None)
    assert empty["total_runs"] == 0 and empty["pass_rate"] is None
    assert empty["average_duration_seconds"] is None and empty["delivered_audio_ms"] == 0


def test_public_share_appears_on_detail_and_overview() -> None:
    """A published run exposes public_share_id/shared_at and an overview share by workspace."""
    run = make_run(1)
    run.public_share_id, run.shared_at = "abc123def456", T0 + timedelta(hours=2)
    v = RunView(run, WORKFLOW, T0 + timedelta(hours=3), catalog(), audio_link,
                workspace_name="Acme Audio")
    detail = v.detail_out()
    assert detail["public_share_id"] == "abc123def456" and detail["shared_at"].endswith("Z")
    assert v.overview()["share"]["shared_by"] == "Acme Audio"
    assert view(make_run(1), 10_000).overview()["share"] is None
