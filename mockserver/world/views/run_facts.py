"""What every view of one run reads: the run folded once at ``now`` (``RunFacts``).

``run_views`` (the run shapes) and ``run_report_views`` (overview and analysis) both build on
it, which is why it sits below them: the report module needs the folded run but not the shapes,
and the shapes delegate to the reports, so neither imports the other's caller.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ...envelope import iso
from ..catalog.catalog import Catalog
from ..catalog.graph_view import SINK, NodeView
from ..runs.plan import Take
from ..runs.record import RunRecord
from ..state.records import WorkflowRecord
from .run_data_views import AudioLinker, CardTraits, RunLines

JSON = dict[str, Any]


def iso_or_none(instant: datetime | None) -> str | None:
    return iso(instant) if instant is not None else None


def ms_between(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return int((end - start).total_seconds() * 1000)


def not_final_reason(status: str) -> str:
    return {"failed": "run_failed", "cancelled": "run_cancelled", "paused": "run_paused",
            "pending": "run_pending"}.get(status, "run_in_progress")


class RunFacts:
    """One run folded at ``now``: its timeline, progress, graph and lines, read by every view."""

    def __init__(self, run: RunRecord, workflow: WorkflowRecord, now: datetime, catalog: Catalog,
                 audio_link: AudioLinker, *, workspace_name: str | None = None) -> None:
        self.run = run
        self.workflow = workflow
        self.now = now
        self.catalog = catalog
        self.workspace_name = workspace_name or "Onepin workspace"
        self.timeline = run.timeline(now)
        self.progress = run.progress(self.timeline)
        self.graph = run.graph()
        labels = {n.id: n.name or self.display_name(n.type) for n in self.graph.nodes}
        self.lines = RunLines(run.id, self.progress, labels, audio_link, self._card_traits())

    def _card_traits(self) -> CardTraits:
        """What the graph says about every card: normaliser, WAV export, validators."""
        types = {n.type for n in self.graph.nodes}
        formats = {str(self.node_config(n).get("format", "wav")) for n in self.graph.of_type(SINK)}
        validators = tuple((s.node_id, s.node_type) for s in self.run.plan.steps
                           if s.node_type.startswith("validator_") and s.iteration == 0)
        corrector = next((n.id for n in self.graph.nodes
                          if n.type == "operator_pronunciation_corrector"), None)
        return CardTraits(normalized="operator_normalizer" in types,
                          waveforms="wav" in formats or not formats,
                          validators=tuple(dict.fromkeys(validators)), corrector=corrector,
                          retired_voices=frozenset((v.provider, v.name)
                                                   for v in self.catalog.retired_voices))

    def display_name(self, node_type: str) -> str:
        spec = self.catalog.get(node_type)
        return spec.display_name if spec else node_type

    def node_config(self, node: NodeView) -> JSON:
        return {**self.catalog.default_config(node.type), **node.config}

    # -- convenience used by aggregates --------------------------------------------------

    @property
    def status(self) -> str:
        return self.timeline.status

    @property
    def created_at(self) -> datetime:
        return self.run.created_at

    @property
    def started_at(self) -> datetime | None:
        return self.timeline.started_at

    @property
    def completed_at(self) -> datetime | None:
        return self.timeline.completed_at

    @property
    def paused_ms(self) -> int:
        """Total paused time, including the pause in progress."""
        t = self.timeline
        ongoing = ms_between(t.paused_at, self.now) if t.status == "paused" else None
        return t.paused_ms + max(0, ongoing or 0)

    @property
    def active_duration_seconds(self) -> float | None:
        wall = ms_between(self.started_at, self.completed_at)
        return None if wall is None else max(0, wall - self.paused_ms) / 1000

    @property
    def delivered_audio_ms(self) -> int:
        return self.progress.delivered_audio_ms()

    @property
    def output_line_count(self) -> int:
        return len(self.lines.delivered_lines)

    def find_audio(self, audio_id: str) -> Take | None:
        """The visible take with this audio id, if any (for the audio URL / file endpoints)."""
        found = self.lines.find(audio_id)
        return found[1].take if found else None
