"""Seeded workflow definitions: valid, realistic, varied and reproducible."""

from __future__ import annotations

import itertools
import random
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onepin.types import WorkflowDefinitionInput

from mockserver.world.catalog.catalog import Catalog
from mockserver.world.catalog.graph_rules import readiness_report, structural_problems
from mockserver.world.catalog.graph_view import topological_waves
from mockserver.world.dataset.graphs import make_definition

CATALOG = Catalog.load()
LINES = [
    "Welcome back to the show.",
    "Today we talk about 3 new releases.",
    "Thanks for listening!",
]


def build(seed: int, source: str = "en-us", targets: list[str] | None = None) -> dict[str, Any]:
    return make_definition(
        random.Random(seed),
        CATALOG,
        script_lines=LINES,
        source_language=source,
        target_locales=["ko-kr", "ja-jp"] if targets is None else targets,
    )


def nodes_of(definition: dict[str, Any], node_type: str) -> list[dict[str, Any]]:
    return [n for n in definition["graph"]["nodes"] if n["type"] == node_type]


def types_of(definition: dict[str, Any]) -> list[str]:
    return [n["type"] for n in definition["graph"]["nodes"]]


LOCALES = st.sampled_from(CATALOG.locales)


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    source=LOCALES,
    targets=st.lists(LOCALES, max_size=4),
    lines=st.lists(st.text(min_size=1, max_size=40), min_size=1, max_size=5),
)
def test_every_generated_definition_is_valid(
    seed: int, source: str, targets: list[str], lines: list[str]
) -> None:
    """Whatever the seed and locales, the definition saves and is ready to run."""
    definition = make_definition(
        random.Random(seed),
        CATALOG,
        script_lines=lines,
        source_language=source,
        target_locales=targets,
    )
    assert structural_problems(definition, CATALOG) == []
    report = readiness_report(definition, CATALOG)
    assert report["valid"] is True, report["errors"]
    WorkflowDefinitionInput.model_validate(definition)


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32))
def test_same_seed_gives_the_same_definition(seed: int) -> None:
    """Generation is a pure function of the rng seed and the arguments."""
    assert build(seed) == build(seed)


def test_shapes_vary_with_the_seed() -> None:
    """Across seeds the optional operators, validator count and sink count all vary."""
    shapes = [build(seed) for seed in range(60)]
    assert len({tuple(types_of(d)) for d in shapes}) > 5
    assert {len(nodes_of(d, "sink_preview")) for d in shapes} == {1, 2}
    validator_counts = {sum(t.startswith("validator_") for t in types_of(d)) for d in shapes}
    assert validator_counts == {1, 2}
    assert any(nodes_of(d, "operator_normalizer") for d in shapes)
    assert any(not nodes_of(d, "operator_normalizer") for d in shapes)


def test_script_and_language_go_into_the_source() -> None:
    """The source holds the lines joined by newlines and the source language."""
    (source,) = nodes_of(build(1, source="de-de"), "source_script")
    assert source["config"]["text"] == "\n".join(LINES)
    assert source["config"]["source_language"] == "de-de"


@pytest.mark.parametrize("targets", [[], ["en-us"]], ids=["no-targets", "only-the-source"])
def test_no_translator_without_another_locale(targets: list[str]) -> None:
    """A translator appears only when some target differs from the source language."""
    for seed in range(10):
        assert not nodes_of(build(seed, targets=targets), "operator_translator")


def test_translator_targets_the_other_locales() -> None:
    """The translator targets every requested locale except the source, once each."""
    (translator,) = nodes_of(
        build(2, targets=["ko-kr", "en-us", "ja-jp", "ko-kr"]), "operator_translator"
    )
    assert translator["config"]["target_languages"] == ["ko-kr", "ja-jp"]


@pytest.mark.parametrize("seed", range(8))
def test_voice_map_assigns_catalog_voices_per_locale(seed: int) -> None:
    """Each audio locale gets one or two catalog voices that speak it, with a model they offer."""
    (generator,) = nodes_of(build(seed), "operator_generator")
    voice_map = generator["config"]["voice_map"]
    assert list(voice_map) == ["en-us", "ko-kr", "ja-jp"]
    for locale, assignments in voice_map.items():
        assert 1 <= len(assignments) <= 2
        for entry in assignments:
            voice = CATALOG.find_voice(entry["voice_id"])
            assert voice is not None and voice.id == entry["catalog_voice_id"]
            assert (entry["provider"], entry["voice_name"]) == (voice.provider, voice.name)
            assert locale in voice.locales and entry["model"] in voice.models


@pytest.mark.parametrize("seed", range(8))
def test_validators_chain_and_loop_back_to_the_generator(seed: int) -> None:
    """Validators are chained pass -> lines, and every fail port returns to the generator."""
    definition = build(seed)
    (generator,) = nodes_of(definition, "operator_generator")
    validators = [
        n["id"] for n in definition["graph"]["nodes"] if n["type"].startswith("validator_")
    ]
    edges = definition["graph"]["edges"]
    fails = {
        (e["source"], e["target"], e["targetPort"]) for e in edges if e["sourcePort"] == "fail"
    }
    assert fails == {(v, generator["id"], "lines") for v in validators}
    chained = [(e["source"], e["target"]) for e in edges if e["sourcePort"] == "pass"]
    assert all(pair in chained for pair in itertools.pairwise(validators))


@pytest.mark.parametrize("seed", range(8))
def test_ids_steps_and_layout_follow_the_waves(seed: int) -> None:
    """Ids are readable and unique, steps follow the waves, and x grows wave by wave."""
    definition = build(seed)
    nodes = definition["graph"]["nodes"]
    ids = [n["id"] for n in nodes]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[a-z_]+_\d+", node_id) for node_id in ids)
    waves = topological_waves(definition, CATALOG)
    assert definition["execution"] == {"steps": [n for w in waves for n in w], "params": {}}
    position = {n["id"]: (n["position"]["x"], n["position"]["y"]) for n in nodes}
    for column, wave in enumerate(waves):
        assert len({position[n][0] for n in wave}) == 1, "one column per wave"
        assert len({position[n][1] for n in wave}) == len(wave), "one row per branch"
        if column:
            assert position[wave[0]][0] > position[waves[column - 1][0]][0]
    assert all(n["config_version"] == 1 and n["name"] for n in nodes)


def test_unknown_locale_is_refused() -> None:
    """Asking for a locale the catalog does not offer raises ValueError."""
    with pytest.raises(ValueError, match="xx-yy"):
        build(0, targets=["xx-yy"])
