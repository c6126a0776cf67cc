"""A run's plan: everything that *will* happen, decided once from (seed, run id, snapshot).

The plan lists execution steps on a run-time axis (milliseconds of active time), the
takes generated for every script line and locale with their validator scores, and
whether and where the run fails. The lifecycle fold (``lifecycle.py``) then decides
how far along that axis a run is at any instant.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ...errors import NoScriptText
from ..catalog.catalog import Catalog
from ..catalog.graph_view import (
    FAIL_PORT,
    GENERATOR,
    SOURCE,
    TRANSLATOR,
    graph_view,
    node_locales,
    topological_waves,
    translator_targets,
    voice_assignments,
)
from ..rng import hex_id, rng
from .pricing import band_of, estimate, step_credits
from .text import script_lines, translate

QUEUE_MS = 1500
# No stand-in validator scores a take as flawless, so a threshold of 100 rejects them all.
MAX_SCORE = 99.9
# Base cost (ms) and per-line cost of one execution of a node, by node type prefix.
_TIMING = {
    "source": (600, 20),
    "operator_normalizer": (1200, 60),
    "operator_translator": (2500, 250),
    "operator_phoneme_injector": (1000, 80),
    "operator_pronunciation_corrector": (1500, 120),
    "operator_generator": (3000, 900),
    "validator": (2000, 450),
    "sink": (1200, 40),
}
_FAILURE_SHARE = 0.08
_ERRORS = (
    "Voice provider returned an error for 3 consecutive attempts",
    "Generation timed out waiting for the TTS provider",
    "Translator could not produce output for one or more lines",
)


@dataclass(frozen=True)
class PlannedStep:
    index: int
    node_id: str
    node_type: str
    node_name: str | None
    iteration: int
    wave: int
    start_ms: int
    end_ms: int
    failed: bool
    active_ports: tuple[str, ...]
    locales: tuple[str, ...] | None
    units: int
    # Fractional credits this execution spends once it completes, priced as the estimate
    # prices its node (pricing.step_credits); a failed or unfinished step spends nothing.
    credits: float = 0.0


@dataclass(frozen=True)
class Verdict:
    node_id: str
    node_type: str
    score: float
    threshold: float

    @property
    def passed(self) -> bool:
        return self.score >= self.threshold


@dataclass(frozen=True)
class Take:
    number: int  # 1-based
    audio_id: str
    duration_ms: int
    voice_name: str
    provider: str
    model: str
    verdicts: tuple[Verdict, ...]
    generated_by: int  # step index
    validated_by: int | None  # step index of the last validator that scored it

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)


@dataclass(frozen=True)
class LineLocale:
    line_index: int
    line_id: str
    locale: str
    script: str
    takes: tuple[Take, ...]
    delivered: int | None  # index into takes of the delivered take
    sink_steps: tuple[int, ...]


@dataclass(frozen=True)
class RunPlan:
    queue_ms: int
    steps: tuple[PlannedStep, ...]
    end_ms: int
    error: str | None  # set when the plan ends in failure
    source_language: str
    source_lines: tuple[str, ...]
    line_locales: tuple[LineLocale, ...]
    # The estimate's maximum for this snapshot: what a run may be debited at most (None when
    # there is no script to price).
    max_credits: int | None = None

    @property
    def fails(self) -> bool:
        return self.error is not None

    def wave_end_after(self, active_ms: float) -> int:
        """Where the wave running at ``active_ms`` ends: the next wave's start (or the end)."""
        starts = sorted({s.start_ms for s in self.steps if s.start_ms > active_ms})
        return starts[0] if starts else self.end_ms


def _timing(node_type: str) -> tuple[int, int]:
    for prefix, timing in _TIMING.items():
        if node_type.startswith(prefix):
            return timing
    return (1000, 100)


def _node_config(node: dict[str, Any], catalog: Catalog) -> dict[str, Any]:
    config = dict(catalog.default_config(str(node.get("type"))))
    config.update(node.get("config") or {})
    return config


def output_locales(definition: dict[str, Any], source_language: str) -> list[str]:
    """Locales the run produces audio in: the source plus any translator targets."""
    locales = [source_language]
    for node in _nodes(definition):
        if node.get("type") == "operator_translator":
            targets = (node.get("config") or {}).get("target_languages") or []
            locales += [t for t in targets if isinstance(t, str) and t not in locales]
    return locales


def _nodes(definition: dict[str, Any]) -> list[dict[str, Any]]:
    graph = definition.get("graph") or {}
    return [n for n in (graph.get("nodes") or []) if isinstance(n, dict)]


def source_language_of(definition: dict[str, Any], override: str | None = None) -> str:
    if override:
        return override.lower().replace("_", "-")
    for node in _nodes(definition):
        if node.get("type") == SOURCE:
            language = (node.get("config") or {}).get("source_language")
            if isinstance(language, str) and language:
                return language.lower()
    return "en-us"


class _Planner:
    def __init__(self, seed: int, run_id: str, definition: dict[str, Any], catalog: Catalog,
                 forced_failure: bool | None) -> None:
        self.r = rng(seed, "run-plan", run_id)
        self.seed = seed
        self.run_id = run_id
        self.definition = definition
        self.catalog = catalog
        self.nodes = {str(n.get("id")): n for n in _nodes(definition)}
        self.source_language = source_language_of(definition)
        self.lines = tuple(script_lines(definition))
        self.locales = output_locales(definition, self.source_language)
        self.view = graph_view(definition)
        self.node_locales = node_locales(definition, self.source_language)
        self.steps: list[PlannedStep] = []
        self.cursor = 0
        chance = self.r.random() < _FAILURE_SHARE
        self.fails = chance if forced_failure is None else forced_failure
        self.fail_wave: int | None = None

    def build(self) -> RunPlan:
        waves = topological_waves(self.definition, self.catalog)
        if self.fails and len(waves) > 1:
            self.fail_wave = self.r.randint(1, len(waves) - 1)
        loop = self._loop_block(waves)
        line_takes: dict[tuple[int, str], list[Take]] = {}
        all_pairs = self._active_pairs(0, line_takes)
        wave_no = 0
        for index, wave in enumerate(waves):
            if loop and index == loop[0]:
                # The generator..validator block repeats for the takes that failed, up to
                # max_retries times; after that a take leaves through "pass" regardless.
                for iteration in range(self._max_takes()):
                    pairs = self._active_pairs(iteration, line_takes)
                    if not pairs:
                        break
                    for block_wave in waves[loop[0] : loop[1] + 1]:
                        if self._emit_wave(block_wave, wave_no, iteration, pairs, line_takes):
                            return self._finish(line_takes, failed=True)
                        wave_no += 1
            if loop and loop[0] <= index <= loop[1]:
                continue
            if self._emit_wave(wave, wave_no, 0, all_pairs, line_takes):
                return self._finish(line_takes, failed=True)
            wave_no += 1
        return self._finish(line_takes, failed=False)

    def _loop_block(self, waves: list[list[str]]) -> tuple[int, int] | None:
        def has(index: int, prefix: str) -> bool:
            return any(str(self.nodes[n].get("type", "")).startswith(prefix) for n in waves[index])

        generators = [i for i in range(len(waves)) if has(i, GENERATOR)]
        validators = [i for i in range(len(waves)) if has(i, "validator_")]
        if not generators:
            return None
        last = max(validators) if validators and max(validators) > generators[0] else generators[0]
        return generators[0], last

    def _max_takes(self) -> int:
        """One take, plus the retries of validators whose ``fail`` loops back to a generator
        (one that does not drops failed takes: the estimate prices no regeneration for it)."""
        looping = {e.source for e in self.view.edges if e.source_port == FAIL_PORT
                   and self.view.by_id[e.target].type == GENERATOR}
        limits = [
            int(_node_config(n, self.catalog).get("max_retries", 0))
            for node_id, n in self.nodes.items()
            if str(n.get("type", "")).startswith("validator_") and node_id in looping
        ]
        return 1 + max(limits, default=0)

    def _emit_wave(self, wave: list[str], wave_no: int, iteration: int,
                   active: list[tuple[int, str]],
                   line_takes: dict[tuple[int, str], list[Take]]) -> bool:
        """Append one wave's steps; True when this wave is where the run fails."""
        durations = []
        failing_node = sorted(wave)[-1] if wave_no == self.fail_wave else None
        for node_id in sorted(wave):
            node = self.nodes[node_id]
            node_type = str(node.get("type"))
            duration = self._duration(node_type, len({i for i, _ in active}) or len(self.lines))
            failed = node_id == failing_node
            index = len(self.steps)
            rejected = False
            if node_type == GENERATOR and not failed:
                self._generate(index, node_id, active, line_takes)
            elif node_type.startswith("validator_") and not failed:
                rejected = self._validate(index, node, active, line_takes)
            self.steps.append(PlannedStep(
                index=index, node_id=node_id, node_type=node_type,
                node_name=node.get("name"), iteration=iteration, wave=wave_no,
                start_ms=self.cursor, end_ms=self.cursor + duration, failed=failed,
                active_ports=() if failed else self._ports(node_type, rejected),
                locales=self._locales_for(node_type),
                units=self._units(node_type, active, line_takes),
                credits=self._credits(node_id, node_type, active),
            ))
            durations.append(duration)
        self.cursor += max(durations, default=0)
        return failing_node is not None

    def _active_pairs(self, iteration: int,
                      line_takes: dict[tuple[int, str], list[Take]]) -> list[tuple[int, str]]:
        pairs = [(i, loc) for i in range(len(self.lines)) for loc in self.locales]
        if iteration == 0:
            return pairs
        return [p for p in pairs if line_takes.get(p) and not line_takes[p][-1].passed]

    def _duration(self, node_type: str, line_count: int) -> int:
        base, per_line = _timing(node_type)
        jitter = self.r.uniform(0.8, 1.25)
        return int((base + per_line * max(1, line_count)) * jitter)

    def _ports(self, node_type: str, rejected: bool) -> tuple[str, ...]:
        outputs = self.catalog.port_names(node_type, "outputs")
        if node_type.startswith("validator_"):
            fired = ("pass", "fail") if rejected else ("pass",)
            return tuple(p for p in outputs if p in fired) or outputs[:1]
        return tuple(outputs)

    def _locales_for(self, node_type: str) -> tuple[str, ...] | None:
        if node_type == SOURCE:
            return None
        if node_type in ("operator_normalizer", "operator_translator"):
            return (self.source_language,)
        return tuple(sorted(self.locales))

    def _units(self, node_type: str, active: list[tuple[int, str]],
               line_takes: dict[tuple[int, str], list[Take]]) -> int:
        if node_type == SOURCE:
            return sum(len(line) for line in self.lines)
        if node_type.startswith("sink_"):
            # An export packages only the lines that reach it: none, if every take was
            # rejected without retries (the run then costs nothing at its sink: "free").
            active = [p for p in active
                      if line_takes.get(p) and self._delivered_take(line_takes[p]) is not None]
        return sum(len(self.lines[i]) for i, _ in active)

    def _credits(self, node_id: str, node_type: str, active: list[tuple[int, str]]) -> float:
        """What this execution bills, by the bands and locales the estimate prices it with:
        a translator its new target locales once, a generator each (line, locale) it voices
        once per voice assigned to the locale (the plan keeps the first voice's take), any
        other node the lines of the locales it gets."""
        if node_type == TRANSLATOR:
            targets = set(translator_targets(self.view.by_id[node_id]))
            new = len(targets - self.node_locales.get(node_id, frozenset()))
            return step_credits(band_of(self.catalog, node_type), list(self.lines), new)
        voices = (self.nodes[node_id].get("config") or {}).get("voice_map") or {}
        total = 0.0
        for line_index, locale in active:
            line = [self.lines[line_index]]
            if node_type == GENERATOR:
                total += sum(step_credits(band_of(self.catalog, node_type, assignment), line)
                             for assignment in voice_assignments(voices.get(locale)) or [{}])
            elif locale in self.node_locales.get(node_id, frozenset()):
                total += step_credits(band_of(self.catalog, node_type), line)
        return total

    def _generate(self, step_index: int, node_id: str, active: list[tuple[int, str]],
                  line_takes: dict[tuple[int, str], list[Take]]) -> None:
        node = self.nodes[node_id]
        voices = ((node.get("config") or {}).get("voice_map") or {})
        for line_index, locale in active:
            takes = line_takes.setdefault((line_index, locale), [])
            assignment = _first_assignment(voices.get(locale))
            take_rng = rng(self.seed, "take", f"{self.run_id}:{line_index}:{locale}:{len(takes)}")
            text = self._script(line_index, locale)
            takes.append(Take(
                number=len(takes) + 1, audio_id=hex_id(take_rng),
                duration_ms=int(len(text) * take_rng.uniform(55, 80)) + 400,
                voice_name=str(assignment.get("voice_name") or "Default voice"),
                provider=str(assignment.get("provider") or "auto"),
                model=str(assignment.get("model") or "auto"),
                verdicts=(), generated_by=step_index, validated_by=None,
            ))

    def _validate(self, step_index: int, node: dict[str, Any], active: list[tuple[int, str]],
                  line_takes: dict[tuple[int, str], list[Take]]) -> bool:
        """Score the latest take of each pair; True when any take was rejected.

        A take an earlier validator of the chain already rejected never reaches this one.
        """
        node_id, node_type = str(node.get("id")), str(node.get("type"))
        config = _node_config(node, self.catalog)
        threshold = float(config.get("threshold", 85))
        # Takes are as good as they are: the score centres on what the validator expects by
        # default, not on the configured threshold, so raising the threshold rejects more.
        typical = float(self.catalog.default_config(node_type).get("threshold", 85)) + 6
        rejected = False
        for pair in active:
            takes = line_takes.get(pair)
            if not takes or not takes[-1].passed:
                continue
            last = takes[-1]
            key = f"{self.run_id}:{node_id}:{pair}:{last.number}"
            score = round(min(MAX_SCORE, rng(self.seed, "score", key).gauss(typical, 6)), 1)
            verdict = Verdict(node_id, node_type, score, threshold)
            takes[-1] = _with_verdict(last, verdict, step_index)
            rejected = rejected or not verdict.passed
        return rejected

    def _delivered_take(self, takes: list[Take]) -> int | None:
        """The last passing take; else the last take once its retries ran out.

        A take rejected by a validator that allows no retries at all leaves through
        ``fail`` and is not delivered.
        """
        passing = [i for i, t in enumerate(takes) if t.passed]
        if passing:
            return passing[-1]
        rejecting = [v.node_id for v in takes[-1].verdicts if not v.passed]
        retries = [int(_node_config(self.nodes[n], self.catalog).get("max_retries", 0))
                   for n in rejecting]
        return None if retries and min(retries) == 0 else len(takes) - 1

    def _script(self, line_index: int, locale: str) -> str:
        line = self.lines[line_index]
        if locale == self.source_language:
            return line
        return translate(self.seed, line, locale, self.source_language)

    def _finish(self, line_takes: dict[tuple[int, str], list[Take]], *, failed: bool) -> RunPlan:
        sinks = tuple(s.index for s in self.steps if s.node_type.startswith("sink_"))
        line_locales = []
        for (line_index, locale), takes in sorted(line_takes.items()):
            delivered = None
            if sinks and not failed:
                delivered = self._delivered_take(takes)
            line_locales.append(LineLocale(
                line_index=line_index, line_id=f"line-{line_index + 1:04d}", locale=locale,
                script=self._script(line_index, locale), takes=tuple(takes),
                delivered=delivered, sink_steps=sinks,
            ))
        error = self.r.choice(_ERRORS) if failed else None
        return RunPlan(
            queue_ms=QUEUE_MS, steps=tuple(self.steps), end_ms=self.cursor, error=error,
            source_language=self.source_language, source_lines=self.lines,
            line_locales=tuple(line_locales),
        )


def _first_assignment(entry: Any) -> dict[str, Any]:
    if isinstance(entry, list) and entry and isinstance(entry[0], dict):
        return entry[0]
    return {}


def _with_verdict(take: Take, verdict: Verdict, step_index: int) -> Take:
    return Take(
        number=take.number, audio_id=take.audio_id, duration_ms=take.duration_ms,
        voice_name=take.voice_name, provider=take.provider, model=take.model,
        verdicts=(*take.verdicts, verdict), generated_by=take.generated_by,
        validated_by=step_index,
    )


def make_plan(seed: int, run_id: str, definition: dict[str, Any], catalog: Catalog,
              *, fail: bool | None = None) -> RunPlan:
    """Plan a run; ``fail`` forces (True) or forbids (False) the seeded failure."""
    plan = _Planner(seed, run_id, definition, catalog, fail).build()
    try:
        ceiling = estimate(definition, catalog, script_text=None, balance=0)["max_credits"]
    except NoScriptText:
        return plan
    return replace(plan, max_credits=int(ceiling))

