"""Line-level views of a run: data rows and cards, sink outputs, and per-line aggregates.

Everything here reads one ``Progress`` so data, outputs, overview and analysis agree at
any instant. A line-locale's *shown* take is its delivered take once delivered, else its
latest visible take; audio ids are the plan's 16-hex take ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..rng import rng, stable_uuid
from ..runs.plan import LineLocale, PlannedStep, Take, Verdict
from ..runs.progress import Progress, TakeState
from ..state.links import Link
from .validation_details import error_rate_detail, pronunciation_segments

JSON = dict[str, Any]
AudioLinker = Callable[[str], Link]  # audio_id -> fresh signed playback link (15 min)

WAV = "audio/wav"
CONTENT_TYPES = {"wav": WAV, "mp3": "audio/mpeg"}
VALIDATION_KINDS = {
    "validator_error_rate": "wer",
    "validator_naturalness": "naturalness",
    "validator_noise": "noise",
    "validator_pronunciation": "pronunciation",
}


def validation_kind(node_type: str) -> str:
    return VALIDATION_KINDS.get(node_type, node_type.removeprefix("validator_"))


def failing(verdicts: Iterable[Verdict]) -> list[Verdict]:
    return [v for v in verdicts if not v.passed]


@dataclass(frozen=True)
class CardTraits:
    """What a run's graph says about every card of it."""

    normalized: bool = False  # a normalizer rewrote the script before voicing
    waveforms: bool = True  # a sink exports WAV, which waveforms are rendered from
    validators: tuple[tuple[str, str], ...] = ()  # (node id, node type), in chain order
    corrector: str | None = None  # the pronunciation corrector's node id, if any
    # (provider, voice name) of voices the catalog has retired since (dataset/retired_voices.py)
    retired_voices: frozenset[tuple[str, str]] = frozenset()


@dataclass(frozen=True)
class RunLines:
    """The per-line reading of one run at one instant."""

    run_id: str
    progress: Progress
    labels: Mapping[str, str]  # node id -> display label
    audio_link: AudioLinker
    traits: CardTraits = field(default_factory=CardTraits)

    # -- takes ---------------------------------------------------------------------------

    @cached_property
    def visible(self) -> dict[tuple[int, str], list[TakeState]]:
        return {(ll.line_index, ll.locale): self.progress.visible_takes(ll)
                for ll in self.progress.plan.line_locales}

    @cached_property
    def by_index(self) -> dict[int, list[LineLocale]]:
        found: dict[int, list[LineLocale]] = {}
        for line in self.progress.plan.line_locales:
            found.setdefault(line.line_index, []).append(line)
        return found

    def takes_of(self, line: LineLocale) -> list[TakeState]:
        return self.visible[(line.line_index, line.locale)]

    def delivered(self, line: LineLocale) -> TakeState | None:
        key = (line.line_index, line.locale)
        found = self._delivered_found
        if key not in found:  # a card asks three times; a data page, for every line
            take = self.progress.delivered(line)
            found[key] = None if take is None else next(
                (s for s in self.takes_of(line) if s.take.number == take.number), None)
        return found[key]

    @cached_property
    def _delivered_found(self) -> dict[tuple[int, str], TakeState | None]:
        return {}

    def link(self, audio_id: str) -> Link:
        """The audio's signed link, made once per reading (a card shows it twice)."""
        made = self._links
        if audio_id not in made:
            made[audio_id] = self.audio_link(audio_id)
        return made[audio_id]

    @cached_property
    def _links(self) -> dict[str, Link]:
        return {}

    def shown(self, line: LineLocale) -> TakeState | None:
        takes = self.takes_of(line)
        return self.delivered(line) or (takes[-1] if takes else None)

    def dropped(self, line: LineLocale) -> list[TakeState]:
        """Visible takes other than the shown one that a validator rejected."""
        shown = self.shown(line)
        return [s for s in self.takes_of(line)
                if s is not shown and failing(s.verdicts)]

    @cached_property
    def delivered_lines(self) -> list[tuple[LineLocale, TakeState]]:
        found = ((ll, self.delivered(ll)) for ll in self.progress.plan.line_locales)
        return [(ll, state) for ll, state in found if state is not None]

    @cached_property
    def discarded_ids(self) -> frozenset[str]:
        """Audio ids of rejected takes: their audio is not kept once the run has finished."""
        if not self.progress.timeline.terminal:
            return frozenset()
        return frozenset(s.take.audio_id for line in self.progress.plan.line_locales
                         for s in self.dropped(line))

    def discarded(self, line: LineLocale, state: TakeState) -> bool:
        return state.take.audio_id in self.discarded_ids

    def find(self, audio_id: str) -> tuple[LineLocale, TakeState] | None:
        """The visible take with this audio id, if its audio is still stored."""
        for line in self.progress.plan.line_locales:
            for state in self.takes_of(line):
                if state.take.audio_id == audio_id:
                    return None if self.discarded(line, state) else (line, state)
        return None

    # -- wire pieces ---------------------------------------------------------------------

    def verdict_out(self, verdict: Verdict) -> JSON:
        return {
            "validator_node_id": verdict.node_id,
            "validator_kind": validation_kind(verdict.node_type),
            "validator_label": self.label(verdict.node_id),
            "score": verdict.score,
            "threshold": verdict.threshold,
        }

    def check_out(self, verdict: Verdict) -> JSON:
        return {"kind": validation_kind(verdict.node_type), "label": self.label(verdict.node_id),
                "score": verdict.score, "threshold": verdict.threshold}

    def label(self, node_id: str) -> str:
        return self.labels.get(node_id, node_id)

    def audio_file(self, take: Take, content_type: str = WAV) -> JSON:
        link = self.link(take.audio_id)
        return {"audio_id": take.audio_id, "url": link.url, "duration_ms": take.duration_ms,
                "content_type": content_type, "take": take.number}

    # -- /data -----------------------------------------------------------------------------

    def data_rows(self, *, search: str | None, language: str | None,
                  include_dropped: bool) -> list[JSON]:
        locale = language.replace("_", "-").lower() if language else None
        needle = search.casefold() if search else None
        rows = []
        for index, script in enumerate(self.progress.plan.source_lines):
            if needle is None or needle in script.casefold():
                rows.append(self._row(index, script, locale, include_dropped))
        return rows

    def _row(self, index: int, script: str, locale: str | None, include_dropped: bool) -> JSON:
        lines = self.by_index.get(index, [])
        cards: list[JSON] = []
        for line in lines:
            if locale is not None and line.locale != locale:
                continue
            cards += self._cards(line, include_dropped)
        line_id = lines[0].line_id if lines else f"line-{index + 1:04d}"
        return {
            "id": stable_uuid(0, "run-data-row", f"{self.run_id}:{index}"),
            "line_index": index, "line_id": line_id, "source_line_id": None,
            **self._script_state(script), **self._corrections(index), "cards": cards,
        }

    def _script_state(self, script: str) -> JSON:
        """The script is read by the source step: unknown until the run has started."""
        if self.progress.timeline.started_at is None:
            return {"script": None, "script_status": "not_ready",
                    "script_reason": "run_not_started"}
        return {"script": script, "script_status": "available", "script_reason": None}

    def _corrections(self, index: int) -> JSON:
        """Words the pronunciation corrector respelled in a line (it needs one in the graph)."""
        corrector = self.traits.corrector
        if corrector is None:
            return {"auto_corrected": None, "auto_corrected_status": "unsupported",
                    "auto_corrected_reason": "no_pronunciation_corrector"}
        done = any(s.step.node_id == corrector and s.status == "completed"
                   for s in self.progress.steps)
        if not done:
            return {"auto_corrected": None, "auto_corrected_status": "not_ready",
                    "auto_corrected_reason": "corrector_not_finished"}
        count = rng(0, "auto-corrected", f"{self.run_id}:{index}").choice((0, 0, 1, 1, 2, 3))
        return {"auto_corrected": count, "auto_corrected_status": "available",
                "auto_corrected_reason": None}

    def _cards(self, line: LineLocale, include_dropped: bool) -> list[JSON]:
        shown = self.shown(line)
        if shown is None:
            return []
        cards = [self._card(line, shown, self._card_status(line, shown))]
        if include_dropped:
            cards += [self._card(line, s, "dropped") for s in self.dropped(line)]
        return cards

    def _card_status(self, line: LineLocale, state: TakeState) -> str:
        delivered = self.delivered(line)
        if delivered is not None and delivered.take.number == state.take.number:
            return "delivered"
        return "not_delivered" if self.progress.timeline.terminal else "generated"

    def _card(self, line: LineLocale, state: TakeState, status: str) -> JSON:
        take, rejected = state.take, failing(state.verdicts)
        kept = not self.discarded(line, state)
        return {
            "id": f"{self.run_id}:{take.audio_id}",
            "line_id": line.line_id, "source_line_id": None, "line_index": line.line_index,
            "locale_code": line.locale, "script": line.script,
            "audio": self._audio(take) if kept else self._discarded_audio(take),
            "validations": self._validations(line, state),
            "normalized": self.traits.normalized,
            "voice": self._voice(take),
            **self._waveform(take, status, kept),
            "retry_count": take.number - 1, "status": status,
            "dropped": {"verdicts": [self.verdict_out(v) for v in rejected]}
            if status == "dropped" else None,
            "rejected": {"verdicts": [self.verdict_out(v) for v in rejected]} if rejected else None,
        }

    def _voice(self, take: Take) -> JSON:
        """The take's voice, unavailable once the catalog has retired it."""
        retired = (take.provider, take.voice_name) in self.traits.retired_voices
        return {"display_name": take.voice_name,
                "status": "unavailable" if retired else "available",
                "reason": "voice_retired" if retired else None}

    def _waveform(self, take: Take, status: str, kept: bool) -> JSON:
        """Waveforms are drawn from the WAV export once the run has settled."""
        if not kept:
            state, reason = "unavailable", "audio_discarded"
        elif status == "generated":
            state, reason = "not_ready", "run_not_finished"
        elif not self.traits.waveforms:
            state, reason = "unsupported", "no_wav_export"
        else:
            state, reason = "available", None
        url = self.link(take.audio_id).url if state == "available" else None
        return {"waveform_url": url, "waveform_status": state, "waveform_reason": reason}

    @staticmethod
    def _discarded_audio(take: Take) -> JSON:
        return {"playback_url": None, "status": "unavailable", "reason": "audio_discarded",
                "duration_ms": take.duration_ms, "content_type": WAV,
                "provider": take.provider, "model": take.model}

    def _validations(self, line: LineLocale, state: TakeState) -> list[JSON]:
        """The take's own verdicts; then, per validator that has not scored it, the score
        it gave an earlier take (``inherited_from_take``) or, mid-run, a pending entry."""
        entries = [self._validation(v, line, state.take) for v in state.verdicts]
        scored = {v.node_id for v in state.verdicts}
        earlier = self.takes_of(line)
        for node_id, node_type in self.traits.validators:
            if node_id in scored:
                continue
            inherited = [(s.take.number, v) for s in earlier if s.take.number < state.take.number
                         for v in s.verdicts if v.node_id == node_id]
            if inherited:
                number, verdict = inherited[-1]
                entries.append({**self._validation(verdict, line, state.take),
                                "inherited_from_take": number})
            elif not state.validated and not self.progress.timeline.terminal:
                entries.append(self._pending_validation(node_id, node_type))
        return entries

    def _pending_validation(self, node_id: str, node_type: str) -> JSON:
        return {"kind": validation_kind(node_type), "label": self.label(node_id), "score": None,
                "status": "not_ready", "reason": "validation_pending", "wer": None,
                "cer": None, "transcript": None, "scored_on": None, "segments": None,
                "error_counts": None, "inherited_from_take": None, "threshold": None,
                "passed": None, "validator_node_id": node_id}

    def _audio(self, take: Take) -> JSON:
        return {"playback_url": self.link(take.audio_id).url, "status": "available",
                "reason": None, "duration_ms": take.duration_ms, "content_type": WAV,
                "provider": take.provider, "model": take.model}

    def _validation(self, verdict: Verdict, line: LineLocale, take: Take) -> JSON:
        kind = validation_kind(verdict.node_type)
        entry: JSON = {
            "kind": kind, "label": self.label(verdict.node_id), "score": verdict.score,
            "status": "available", "reason": None, "wer": None, "cer": None, "transcript": None,
            "scored_on": None, "segments": None, "error_counts": None,
            "inherited_from_take": None, "threshold": verdict.threshold,
            "passed": verdict.passed, "validator_node_id": verdict.node_id,
        }
        key = f"{take.audio_id}:{verdict.node_id}"
        if kind == "wer":
            entry.update(error_rate_detail(verdict.score, line.script, line.locale, key))
        elif kind == "pronunciation":
            entry["segments"] = pronunciation_segments(verdict.score, line.script, key,
                                                        corrected=self.traits.corrector is not None)
        return entry

    # -- /outputs --------------------------------------------------------------------------

    def sink_lines(self, audio_format: str) -> list[JSON]:
        """Lines a finished sink exported: every delivered take, in line order."""
        content_type = CONTENT_TYPES.get(audio_format, WAV)
        return [self._sink_line(line, state, content_type)
                for line, state in self.delivered_lines]

    def _sink_line(self, line: LineLocale, state: TakeState, content_type: str) -> JSON:
        checks = failing(state.verdicts)
        return {
            "line_id": line.line_id, "line_index": line.line_index, "locale": line.locale,
            "script": line.script, "audio_files": [self.audio_file(state.take, content_type)],
            "recommended_audio_file_index": 0,
            "delivery": {"passed": not checks, "failing_checks": [self.check_out(v)
                                                                  for v in checks]},
        }

    # -- /steps?include_result=true ----------------------------------------------------------

    def step_result(self, step: PlannedStep) -> JSON:
        """A completed step's payload: for generators/validators, the takes it produced/scored."""
        scoring = step.node_type == "operator_generator" or step.node_type.startswith("validator")
        audio = [entry for line in self.progress.plan.line_locales for take in line.takes
                 if (entry := self._step_audio(step, line, take)) is not None]
        default = len(self.progress.plan.source_lines) * max(1, len(step.locales or ()))
        return {"lines_processed": len(audio) if scoring else default, "units": step.units,
                "unit": "character", "audio": audio if scoring else None}

    def _step_audio(self, step: PlannedStep, line: LineLocale, take: Take) -> JSON | None:
        verdict = next((v for v in take.verdicts if v.node_id == step.node_id), None)
        scored = verdict is not None and take.number - 1 == step.iteration
        if take.generated_by != step.index and not scored:
            return None
        entry = {"line_id": line.line_id, "locale": line.locale, **self.audio_file(take),
                 "playback_url": self.link(take.audio_id).url}
        if take.audio_id in self.discarded_ids:
            entry.update(url=None, playback_url=None)
        if verdict is not None and scored:
            entry.update(score=verdict.score, threshold=verdict.threshold, passed=verdict.passed)
        return entry

    # -- aggregates for overview / analysis ----------------------------------------------

    def audio_by_locale(self) -> dict[str, tuple[int, int]]:
        """Delivered (line count, total ms) per locale, every planned locale present."""
        out = {ll.locale: (0, 0) for ll in self.progress.plan.line_locales}
        for line, state in self.delivered_lines:
            count, total = out[line.locale]
            out[line.locale] = (count + 1, total + state.take.duration_ms)
        return dict(sorted(out.items()))

    def replaced_ms(self, locale: str) -> int:
        """Audio of takes superseded by the delivered take, for delivered lines of a locale."""
        return sum(s.take.duration_ms for line, shown in self.delivered_lines
                   if line.locale == locale for s in self.takes_of(line) if s is not shown)

    def generated_ms(self) -> int:
        return sum(s.take.duration_ms for states in self.visible.values() for s in states)

    def dropped_count(self) -> int:
        return sum(len(self.dropped(line)) for line in self.progress.plan.line_locales)

    def latest_verdicts(self, node_id: str) -> list[tuple[LineLocale, Verdict]]:
        """Per line-locale, the last visible verdict of one validator (overview reading)."""
        found = []
        for line in self.progress.plan.line_locales:
            scored = [v for s in self.takes_of(line) for v in s.verdicts if v.node_id == node_id]
            if scored:
                found.append((line, scored[-1]))
        return found

    def shown_verdicts(self, node_id: str) -> dict[str, list[Verdict]]:
        """Per locale, one validator's verdicts on each shown take (analysis reading)."""
        found: dict[str, list[Verdict]] = {}
        for line in self.progress.plan.line_locales:
            state = self.shown(line)
            verdicts = [v for v in state.verdicts if v.node_id == node_id] if state else []
            found.setdefault(line.locale, []).extend(verdicts[-1:])
        return found

    def retries_by(self, node_id: str) -> int:
        """Visible takes one validator rejected that were followed by another take."""
        return sum(
            1 for states in self.visible.values() for state in states[:-1]
            if any(v.node_id == node_id and not v.passed for v in state.verdicts)
        )
