"""Typed events (world/service/appliers, world/events/typed.py): every kind registered once,
its stored payload read as its dataclass and written back byte for byte, and a stored event
that is not of its kind's form refused with the event and the field named."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from support import make_settings

from mockserver.app import create_app, mock_of
from mockserver.errors import StartupError
from mockserver.state_backends import open_state
from mockserver.world.events import Event, encode
from mockserver.world.events.typed import EventData, PayloadError
from mockserver.world.service.appliers import (
    REGISTRY,
    TABLES,
    Kind,
    check_complete,
    merge_kinds,
    typed,
)
from mockserver.world.service.appliers.runs import RunControl, RunControlled

# Every kind as the code stored it (tests/state/every_kind_scenario.py writes it).
STORED = Path(__file__).parents[1] / "state" / "data" / "every_kind_events.jsonl"
AT = "2026-11-15T12:00:00+00:00"


def _stored() -> list[Event]:
    lines = STORED.read_text(encoding="utf-8").splitlines()
    return [Event(seq, item["kind"], item["data"])
            for seq, item in enumerate(map(json.loads, lines), start=1)]


def _first(kind: str) -> Event:
    return next(e for e in _stored() if e.kind == kind)


def test_the_committed_log_holds_every_registered_kind() -> None:
    assert {e.kind for e in _stored()} == set(REGISTRY)


@pytest.mark.parametrize("event", _stored(), ids=lambda e: f"{e.seq}-{e.kind}")
def test_a_stored_payload_is_written_back_byte_for_byte(event: Event) -> None:
    read = typed(event)
    assert type(read) is REGISTRY[event.kind].event
    assert read.to_payload() == event.data
    assert encode(read.KIND, read.to_payload()) == encode(event.kind, event.data)


@pytest.mark.parametrize("data", [
    # Written before runs were built lazily: no workflow named.
    {"workspace": "w", "run": "r", "control": {"kind": "cancel", "at": AT}},
    {"workspace": "w", "workflow": "f", "run": "r", "control": {"kind": "finish", "at": AT},
     "replan_without_failure": True},
    {"workspace": "w", "workflow": "f", "run": "r",
     "control": {"kind": "pause", "at": AT, "reason": "user", "immediate": True}},
])
def test_optional_fields_are_written_back_as_they_were_stored(data: dict[str, Any]) -> None:
    read = typed(Event(1, "run.controlled", data))
    assert json.dumps(read.to_payload()) == json.dumps(data)


def test_an_optional_field_left_out_reads_as_its_default() -> None:
    read = typed(Event(1, "run.controlled",
                       {"workspace": "w", "run": "r", "control": {"kind": "cancel", "at": AT}}))
    assert read == RunControlled(workspace="w", workflow=None, run="r",
                                 control=RunControl(kind="cancel", at=read.instant()))
    assert read.instant() is not None and read.instant().isoformat() == AT  # type: ignore[union-attr]


def test_a_created_workspace_takes_its_instant_from_its_options() -> None:
    """The API command decides the instant into the options; the control API's body may
    carry none, and then the event has none."""
    decided = typed(Event(1, "workspace.created", {"number": 3, "options": {"at": AT}}))
    assert decided.instant() is not None and decided.instant().isoformat() == AT  # type: ignore[union-attr]
    assert typed(Event(1, "workspace.created", {"number": 3, "options": {}})).instant() is None


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^event 7: unknown kind 'workflow\.renamed'$"):
        typed(Event(7, "workflow.renamed", {"id": "x"}))


def _required(event: Event) -> list[str]:
    return [key for key in event.data
            if key not in {"template", "workflow", "replace", "replan_without_failure"}]


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_a_missing_field_is_refused_with_its_name(kind: str) -> None:
    event = _first(kind)
    for key in _required(event):
        lacking = Event(event.seq, kind, {k: v for k, v in event.data.items() if k != key})
        with pytest.raises(PayloadError) as refused:
            typed(lacking)
        assert str(refused.value) == f"event {event.seq}, {kind}: missing field(s) {key}"


@pytest.mark.parametrize(("kind", "change", "problem"), [
    ("workflow.deleted", {"extra": 1}, "unknown field(s) extra"),
    ("workflow.deleted", {"at": "yesterday"}, "field 'at': Invalid isoformat string"),
    ("workflow.deleted", {"at": None}, "field 'at' is null"),
    ("upload.stored", {"content": "not base64!"}, "field 'content': "),
    ("fixtures.loaded", {"replace": False},
     "field 'replace' states False, which the stored form says by leaving the field out"),
    ("run.controlled", {"control": {"kind": "cancel"}},
     "field 'control': RunControl: missing field(s) at"),
])
def test_a_field_not_of_its_kinds_form_is_refused(kind: str, change: dict[str, Any],
                                                  problem: str) -> None:
    event = _first(kind)
    with pytest.raises(PayloadError, match=f"^event {event.seq}, {kind}: "):
        try:
            typed(Event(event.seq, kind, {**event.data, **change}))
        except PayloadError as exc:
            assert problem in str(exc)
            raise


def test_a_payload_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(PayloadError, match="the payload is list, not an object"):
        typed(Event(1, "reset", [None]))  # type: ignore[arg-type]


def test_a_replay_file_with_a_malformed_event_appends_nothing(tmp_path: Path) -> None:
    events = [{"seq": e.seq, "kind": e.kind, "data": e.data} for e in _stored()[:12]]
    del events[-1]["data"]["at"]
    saved = tmp_path / "events.json"
    saved.write_text(json.dumps({"events": events}), encoding="utf-8")
    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    with pytest.raises(StartupError, match=r"event 12, workflow\.created: missing field\(s\) at"):
        create_app(make_settings(state_url=state_url, replay_path=saved))
    opened = open_state(state_url, 10)
    try:
        assert opened.log.head() == 0
    finally:
        opened.close()


# -- the registry --------------------------------------------------------------------------


def test_each_kind_is_registered_once_with_its_own_class() -> None:
    classes = [kind.event for table in TABLES.values() for kind in table]
    assert len(classes) == len(set(classes)) == len(REGISTRY)
    for name, kind in REGISTRY.items():
        assert name == kind.event.KIND
        assert kind.event.__dataclass_params__.frozen  # type: ignore[attr-defined]
        assert "__slots__" in vars(kind.event)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Stray(EventData):
    KIND: ClassVar[str] = "stray.kind"
    id: str


def _ignore(world: Any, event: Any) -> None:
    return None


def test_a_kind_claimed_by_two_tables_stops_startup() -> None:
    with pytest.raises(StartupError,
                       match=r"two appliers for event kind 'stray\.kind': first and second"):
        merge_kinds({"first": [Kind(_Stray, _ignore)], "second": [Kind(_Stray, _ignore)]})


def test_an_event_class_no_table_lists_stops_startup() -> None:
    with pytest.raises(StartupError, match=r"no applier in any KINDS table: .*_Stray"):
        check_complete(REGISTRY, [_Stray])
    check_complete({**REGISTRY, "stray.kind": Kind(_Stray, _ignore)}, [_Stray])


def _durable_log(tmp_path: Path, events: list[tuple[str, dict[str, Any]]]) -> str:
    state_url = f"sqlite:///{tmp_path / 'state.db'}"
    opened = open_state(state_url, 10)
    try:
        for seq, (kind, data) in enumerate(events):
            assert opened.log.append(seq, kind, data) is not None
    finally:
        opened.close()
    return state_url


def test_a_durable_log_with_an_unknown_kind_stops_startup(tmp_path: Path) -> None:
    state_url = _durable_log(tmp_path, [("reset", {"workspace": None}),
                                        ("retired.kind", {})])
    with pytest.raises(ValueError, match=r"^event 2: unknown kind 'retired\.kind'$"):
        create_app(make_settings(state_url=state_url))


def test_events_before_the_last_full_reset_are_never_read(tmp_path: Path) -> None:
    """A new process folds from the last full reset: what came before cannot matter, so
    it is not read either (as before events had classes)."""
    state_url = _durable_log(tmp_path, [("retired.kind", {}), ("reset", {"workspace": None})])
    assert mock_of(create_app(make_settings(state_url=state_url))).engine.applied == 2
