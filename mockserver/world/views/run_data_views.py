"""Line-level views of a run: data rows and cards, sink outputs, and per-line aggregates.

Everything here reads one ``Progress`` so data, outputs, overview and analysis agree at
any instant. A line-locale's *shown* take is its delivered take once delivered, else its
latest visible take; audio ids are the plan's 16-hex take ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

from ..catalog.graph_view import NodeView
from ..rng import rng, stable_uuid
from ..runs.plan import LineLocale, PlannedStep, Take, Verdict
from ..runs.progress import CREDITS_PER_1000_CHARS, Progress, TakeState
from ..state.links import Link

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
_PLACES = Decimal("0.000001")
_RATE = Decimal(str(CREDITS_PER_1000_CHARS)) / 1000
# Scripts written without spaces are scored per character (WER degenerates there).
CER_LANGUAGES = ("ja", "zh", "th")


def validation_kind(node_type: str) -> str:
    return VALIDATION_KINDS.get(node_type, node_type.removeprefix("validator_"))


def failing(verdicts: Iterable[Verdict]) -> list[Verdict]:
    return [v for v in verdicts if not v.passed]


def _decimal(value: Decimal) -> str:
    return str(value.quantize(_PLACES))


def _tokens(script: str, by_char: bool) -> list[tuple[str, int, int]]:
    """Scored units of a script with half-open code-point offsets."""
    if by_char:
        return [(c, i, i + 1) for i, c in enumerate(script) if not c.isspace()]
    return [(m.group(), m.start(), m.end()) for m in re.finditer(r"\S+", script)]


@dataclass(frozen=True)
class RunLines:
    """The per-line reading of one run at one instant."""

    run_id: str
    progress: Progress
    labels: Mapping[str, str]  # node id -> display label
    audio_link: AudioLinker

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
        take = self.progress.delivered(line)
        if take is None:
            return None
        return next((s for s in self.takes_of(line) if s.take.number == take.number), None)

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

    def find(self, audio_id: str) -> tuple[LineLocale, TakeState] | None:
        for line in self.progress.plan.line_locales:
            for state in self.takes_of(line):
                if state.take.audio_id == audio_id:
                    return line, state
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
        link = self.audio_link(take.audio_id)
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
            "script": script, "script_status": "available", "script_reason": None,
            "auto_corrected": None, "auto_corrected_status": "unsupported",
            "auto_corrected_reason": None, "cards": cards,
        }

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
        return {
            "id": f"{self.run_id}:{take.audio_id}",
            "line_id": line.line_id, "source_line_id": None, "line_index": line.line_index,
            "locale_code": line.locale, "script": line.script,
            "audio": self._audio(take),
            "validations": [self._validation(v, line, take) for v in state.verdicts],
            "normalized": None,
            "voice": {"display_name": take.voice_name, "status": "available", "reason": None},
            "waveform_url": None, "waveform_status": "unsupported", "waveform_reason": None,
            "retry_count": take.number - 1, "status": status,
            "dropped": {"verdicts": [self.verdict_out(v) for v in rejected]}
            if status == "dropped" else None,
            "rejected": {"verdicts": [self.verdict_out(v) for v in rejected]} if rejected else None,
        }

    def _audio(self, take: Take) -> JSON:
        return {"playback_url": self.audio_link(take.audio_id).url, "status": "available",
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
            entry.update(_error_rate_detail(verdict.score, line.script, line.locale, key))
        elif kind == "pronunciation":
            entry["segments"] = _pronunciation_segments(verdict.score, line.script, key)
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
                 "playback_url": self.audio_link(take.audio_id).url}
        if verdict is not None and scored:
            entry.update(score=verdict.score, threshold=verdict.threshold, passed=verdict.passed)
        return entry

    # -- analysis credits (§4.10) -----------------------------------------------------------

    def credits_block(self, nodes: Iterable[NodeView]) -> JSON:
        """Settled per-node spend; unavailable until the run is terminal."""
        if not self.progress.timeline.terminal:
            return {"status": "unavailable", "reason": "run_not_settled", "rows": None,
                    "minimum_charge_fractional": None}
        total = Decimal(self.progress.token_cost) * _RATE
        floor = Decimal(int(total))
        return {
            "status": "ok" if total else "unavailable",
            "reason": None if total else "no_recorded_spend", "truncated": False,
            "rows": [self._credit_row(node) for node in nodes],
            "total_fractional": _decimal(total), "unattributed_fractional": _decimal(Decimal(0)),
            "charged": self.progress.settled_credits() or 0, "overage_credits": 0,
            "absorbed_fraction": _decimal(total - floor if total >= 1 else Decimal(0)),
            "minimum_charge_fractional": _decimal(Decimal(1) - total if 0 < total < 1
                                                  else Decimal(0)),
        }

    def _credit_row(self, node: NodeView) -> JSON:
        states = [s for s in self.progress.steps if s.step.node_id == node.id]
        done = [s for s in states if s.status == "completed"]
        units = sum(s.step.units for s in done)
        status = ("not_completed" if not done else "free" if not units
                  else "recorded" if len(done) == len(states) else "recorded_incomplete")
        steps = self.progress.plan.steps
        output_ms = sum(s.take.duration_ms for states in self.visible.values() for s in states
                        if steps[s.take.generated_by].node_id == node.id)
        return {
            "node_id": node.id, "node_type": node.type, "display_name": self.label(node.id),
            "detail": f"{units} characters over {len(done)} execution(s)",
            "processed_units": units, "unit": "character",
            "output_ms": output_ms if node.type == "operator_generator" else None,
            "output_chars": None, "retries": sum(1 for s in done if s.step.iteration > 0),
            "credits_fractional": _decimal(Decimal(units) * _RATE), "status": status,
        }

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

def _error_rate_detail(score: float, script: str, locale: str, key: str) -> JSON:
    by_char = locale.split("-")[0] in CER_LANGUAGES
    tokens = _tokens(script, by_char)
    rate = round(max(0.0, 100.0 - score) / 100, 4)
    errors = min(len(tokens), round(rate * len(tokens)))
    insertions = errors // 4
    deletions = (errors - insertions) // 3
    substitutions = errors - insertions - deletions
    r = rng(0, "wer-segments", key)
    picked = sorted(r.sample(range(len(tokens)), substitutions + deletions))
    kinds = ["deletion"] * deletions + ["substitution"] * substitutions
    r.shuffle(kinds)
    segments = [
        {"text": tokens[i][0], "status": "word_error", "start": tokens[i][1],
         "end": tokens[i][2], "severity": "critical" if kind == "deletion" else "warning",
         "error_type": kind, "advisory": False}
        for i, kind in zip(picked, kinds, strict=True)
    ]
    other = round(min(1.0, rate * (1.8 if by_char else 0.55)), 4)
    return {
        "wer": other if by_char else rate, "cer": rate if by_char else other,
        "scored_on": "cer" if by_char else "wer", "segments": segments,
        "error_counts": {"substitutions": substitutions, "insertions": insertions,
                         "deletions": deletions, "reference_units": len(tokens)},
    }


def _pronunciation_segments(score: float, script: str, key: str) -> list[JSON]:
    words = _tokens(script, by_char=False)
    flagged = min(len(words), round(max(0.0, 100.0 - score) / 100 * len(words)))
    picked = sorted(rng(0, "pronunciation-segments", key).sample(range(len(words)), flagged))
    return [
        {"text": words[i][0], "status": "pronunciation_error", "start": words[i][1],
         "end": words[i][2], "severity": "minor" if score >= 80 else "warning",
         "error_type": None, "advisory": score >= 80}
        for i in picked
    ]
