"""Seeded, realistic voice-workflow definitions for generated workflows.

Shape: script -> [normalizer] -> [translator] -> [phonemizer] -> [pronunciation corrector]
-> voice generator -> 1-2 chained validators (each `fail` loops back to the generator)
-> 1-2 exports. Every result passes the save-time and run-start rules of `graph_rules`.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from ..catalog.catalog import Catalog, Direction
from ..catalog.catalog_types import Voice
from ..catalog.graph_view import GENERATOR, SINK, SOURCE, TRANSLATOR, topological_waves

__all__ = ["make_definition"]

NORMALIZER = "operator_normalizer"
OPTIONAL_OPERATORS = ("operator_phoneme_injector", "operator_pronunciation_corrector")
PASS_PORT, FAIL_PORT = "pass", "fail"
# Canvas layout: columns are execution waves, rows are parallel branches.
X0, DX, Y0, DY = 80, 280, 120, 160
_SPEEDS = (1.0, 1.0, 1.0, 0.9, 1.1)
_RETRIES = (1, 2, 2, 3)
STRICT_VALIDATOR = "validator_error_rate"
# Short, readable id stems; operators use their slug without the `operator_` prefix.
_ID_STEM_BY_CATEGORY = {"source": "source", "validation": "validator", "output": "sink"}


def make_definition(
    rng: random.Random,
    catalog: Catalog,
    *,
    script_lines: list[str],
    source_language: str,
    target_locales: list[str],
    strict_validation: bool = False,
) -> dict[str, Any]:
    """A valid workflow definition whose optional parts are drawn from `rng`.

    The audio locales are the source language plus every other target; a translator is
    added only when there is another target. Raises ValueError for a locale the catalog lacks.
    """
    _check_locales(catalog, [source_language, *target_locales])
    locales = list(dict.fromkeys([source_language, *target_locales]))
    builder = _Builder(catalog)
    script = {"text": "\n".join(script_lines), "source_language": source_language}
    last = builder.add(SOURCE, script)
    if rng.random() < 0.5:
        last = builder.chain(last, NORMALIZER, {"language": source_language})
    if len(locales) > 1:
        last = builder.chain(last, TRANSLATOR, {"target_languages": locales[1:]})
    for node_type in OPTIONAL_OPERATORS:
        if rng.random() < 0.3:
            last = builder.chain(last, node_type, {})
    voices = {"voice_map": _voice_map(rng, catalog, locales), "speed": rng.choice(_SPEEDS)}
    generator = builder.chain(last, GENERATOR, voices)
    checked = (_add_strict_validator(builder, generator) if strict_validation
               else _add_validators(rng, builder, generator))
    for audio_format in ("wav", "mp3") if rng.random() < 0.25 else (rng.choice(("wav", "mp3")),):
        builder.connect(checked, PASS_PORT, builder.add(SINK, {"format": audio_format}))
    return builder.finish()


def _check_locales(catalog: Catalog, locales: list[str]) -> None:
    unknown = [loc for loc in locales if loc not in catalog.locales]
    if unknown:
        raise ValueError(f"locales {unknown} are not in the catalog ({', '.join(catalog.locales)})")


def _voice_map(rng: random.Random, catalog: Catalog, locales: list[str]) -> dict[str, Any]:
    """One or two voices per locale, each with a model that voice offers."""
    voice_map: dict[str, Any] = {}
    for locale in locales:
        voices = catalog.voices_for(locale)
        chosen = rng.sample(voices, min(len(voices), rng.choice((1, 1, 2))))
        voice_map[locale] = [_assignment(voice, rng.choice(voice.models)) for voice in chosen]
    return voice_map


def _assignment(voice: Voice, model: str) -> dict[str, Any]:
    return {
        "voice_id": voice.provider_voice_id,
        "provider": voice.provider,
        "model": model,
        "catalog_voice_id": voice.id,
        "voice_name": voice.name,
    }


def _add_validators(rng: random.Random, builder: _Builder, generator: str) -> str:
    """Chain 1-2 validators after the generator; return the last one (its `pass` feeds on)."""
    catalog = builder.catalog
    kinds = [t for t in catalog.node_types() if catalog.category(t) == "validation"]
    upstream, port = generator, catalog.port_names(GENERATOR, "outputs")[0]
    for node_type in rng.sample(kinds, rng.choice((1, 1, 2))):
        validator = builder.add(node_type, {"max_retries": rng.choice(_RETRIES)})
        builder.connect(upstream, port, validator)
        builder.connect(validator, FAIL_PORT, generator)  # the retry loop: regenerate the take
        upstream, port = validator, PASS_PORT
    return upstream


def _add_strict_validator(builder: _Builder, generator: str) -> str:
    """One word-accuracy check demanding a flawless take, with no retries.

    No take reaches a threshold of 100, and without retries a rejected take leaves
    through ``fail``: such a workflow's runs complete without any audio.
    """
    validator = builder.add(STRICT_VALIDATOR, {"threshold": 100, "max_retries": 0})
    builder.connect(generator, builder.catalog.port_names(GENERATOR, "outputs")[0], validator)
    builder.connect(validator, FAIL_PORT, generator)
    return validator


class _Builder:
    """Accumulates nodes and edges, checking every port against the catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.nodes: list[dict[str, Any]] = []
        self.edges: list[dict[str, Any]] = []
        self._stems: Counter[str] = Counter()
        self._types: Counter[str] = Counter()

    def add(self, node_type: str, config: dict[str, Any]) -> str:
        spec = self.catalog.get(node_type)
        if spec is None:
            raise ValueError(f"the catalog has no node type {node_type!r}")
        stem = _ID_STEM_BY_CATEGORY.get(spec.category, node_type.removeprefix("operator_"))
        self._stems[stem] += 1
        self._types[node_type] += 1
        count = self._types[node_type]
        node = {
            "id": f"{stem}_{self._stems[stem]}",
            "type": node_type,
            "name": spec.display_name if count == 1 else f"{spec.display_name} {count}",
            "position": {"x": 0, "y": 0},  # set by finish() once the waves are known
            "config": {**self.catalog.default_config(node_type), **config},
            "config_version": 1,
        }
        self.nodes.append(node)
        return str(node["id"])

    def chain(self, upstream: str, node_type: str, config: dict[str, Any]) -> str:
        node_id = self.add(node_type, config)
        self.connect(upstream, self._ports(upstream, "outputs")[0], node_id)
        return node_id

    def connect(self, source: str, source_port: str, target: str) -> None:
        if source_port not in self._ports(source, "outputs"):
            raise ValueError(f"{source} has no output port {source_port!r}")
        edge = {
            "id": f"edge_{len(self.edges) + 1}",
            "source": source,
            "sourcePort": source_port,
            "target": target,
            "targetPort": self._ports(target, "inputs")[0],
        }
        self.edges.append(edge)

    def _ports(self, node_id: str, direction: Direction) -> tuple[str, ...]:
        node_type = next(n["type"] for n in self.nodes if n["id"] == node_id)
        return self.catalog.port_names(node_type, direction)

    def finish(self) -> dict[str, Any]:
        graph = {"nodes": self.nodes, "edges": self.edges}
        waves = topological_waves({"graph": graph}, self.catalog)
        by_id = {n["id"]: n for n in self.nodes}
        for column, wave in enumerate(waves):
            for row, node_id in enumerate(wave):
                by_id[node_id]["position"] = {"x": X0 + column * DX, "y": Y0 + row * DY}
        steps = [node_id for wave in waves for node_id in wave]
        return {"graph": graph, "execution": {"steps": steps, "params": {}}}
