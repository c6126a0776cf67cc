"""Credit estimates: units per node, locales, retries, the run floor, balance and overage."""

from __future__ import annotations

import copy
import dataclasses
import itertools
import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onepin.types import EstimateResponse

from mockserver.errors import NoScriptText
from mockserver.world.catalog.catalog import Catalog
from mockserver.world.catalog.catalog_types import Voice
from mockserver.world.dataset.graphs import make_definition
from mockserver.world.runs.lifecycle import fold
from mockserver.world.runs.plan import make_plan
from mockserver.world.runs.pricing import estimate, script_text_of, settled_credits
from mockserver.world.runs.progress import Progress

CATALOG = Catalog.load()
# Atlas speaks en-us and ko-kr with character-priced models; Yui uses byte-priced ones.
ATLAS = next(v for v in CATALOG.voices if v.name == "Atlas")
YUI = next(v for v in CATALOG.voices if v.name == "Yui")
ENGLISH = "Every line is read aloud by the chosen voice. " * 200  # ~9,400 characters


def voiced(voice: Voice, model: str, *locales: str) -> dict[str, Any]:
    entry = {"voice_id": voice.provider_voice_id, "provider": voice.provider, "model": model}
    return {locale: [entry] for locale in locales}


def workflow(
    text: str,
    *operators: tuple[str, dict[str, Any]],
    voice_map: dict[str, Any] | None = None,
    validator: dict[str, Any] | None = None,
    loop: bool = True,
) -> dict[str, Any]:
    """source -> operators... -> generator -> [validator] -> sink, as a definition."""
    chain: list[tuple[str, str, dict[str, Any]]] = [
        ("src", "source_script", {"text": text, "source_language": "en-us"}),
        *((f"op{i}", node_type, config) for i, (node_type, config) in enumerate(operators)),
        (
            "gen",
            "operator_generator",
            {"voice_map": voice_map or voiced(ATLAS, "timbre-1-turbo", "en-us")},
        ),
    ]
    if validator is not None:
        chain.append(("val", "validator_error_rate", validator))
    chain.append(("out", "sink_preview", {}))
    nodes = [{"id": i, "type": t, "position": {"x": 0, "y": 0}, "config": c} for i, t, c in chain]
    edges = [
        {
            "id": f"e{n}",
            "source": a[0],
            "sourcePort": "pass" if a[0] == "val" else "lines",
            "target": b[0],
            "targetPort": "lines",
        }
        for n, (a, b) in enumerate(itertools.pairwise(chain))
    ]
    if validator is not None and loop:
        edges.append(
            {
                "id": "retry",
                "source": "val",
                "sourcePort": "fail",
                "target": "gen",
                "targetPort": "lines",
            }
        )
    return {"graph": {"nodes": nodes, "edges": edges}, "execution": {}}


def priced(definition: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"script_text": None, "balance": 1000, **kwargs}
    return estimate(definition, CATALOG, **options)


def row(result: dict[str, Any], node_id: str) -> dict[str, Any]:
    return next(r for r in result["breakdown"] if r["node_id"] == node_id)


# -- wire shape and invariants ------------------------------------------------------------------


@pytest.mark.parametrize("rate", [None, 1.25])
def test_estimate_parses_as_sdk_estimate_response(rate: float | None) -> None:
    """The result is an EstimateResponse the SDK parses, with or without an overage rate."""
    result = priced(workflow(ENGLISH), overage_rate_cents_per_credit=rate)
    parsed = EstimateResponse.model_validate(result)
    assert parsed.overage_rate_cents_per_credit == rate


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    balance=st.integers(min_value=-10, max_value=500),
    rate=st.none() | st.floats(min_value=0, max_value=10),
    lines=st.lists(st.text(min_size=1, max_size=60), min_size=1, max_size=8),
)
def test_generated_workflows_price_consistently(
    seed: int, balance: int, rate: float | None, lines: list[str]
) -> None:
    """For any generated workflow the ranges are ordered and the gates follow the totals."""
    definition = make_definition(
        random.Random(seed),
        CATALOG,
        script_lines=lines,
        source_language="en-us",
        target_locales=["fr-fr"],
    )
    try:
        result = priced(definition, balance=balance, overage_rate_cents_per_credit=rate)
    except NoScriptText:
        assert not "".join(lines).strip()
        return
    EstimateResponse.model_validate(result)
    assert 1 <= result["min_credits"] <= result["expected_credits"] <= result["max_credits"]
    for r in result["breakdown"]:
        assert 0 <= r["min_credits"] <= r["expected_credits"] <= r["max_credits"]
    assert [r["node_id"] for r in result["breakdown"]] == [
        n["id"] for n in definition["graph"]["nodes"]
    ]
    assert result["deficit_at_max"] == max(0, result["max_credits"] - balance)
    assert result["can_run"] is (result["min_credits"] <= balance)


def test_estimate_is_pure_and_deterministic() -> None:
    """Pricing never mutates the definition and always gives the same answer."""
    definition = workflow(ENGLISH, validator={"max_retries": 2})
    before = copy.deepcopy(definition)
    assert priced(definition) == priced(definition)
    assert definition == before


# -- what is priced -------------------------------------------------------------------------------


@pytest.mark.parametrize("override", [None, "", "   \n\t\n"])
def test_nothing_to_price_raises(override: str | None) -> None:
    """An empty script with no (or a blank) script_text cannot be priced."""
    with pytest.raises(NoScriptText):
        priced(workflow(""), script_text=override)


def test_override_replaces_the_saved_script() -> None:
    """script_text prices exactly as if it were the saved script."""
    assert priced(workflow("short"), script_text=ENGLISH) == priced(workflow(ENGLISH))
    assert priced(workflow(""), script_text=ENGLISH) == priced(workflow(ENGLISH))


def test_only_stripped_non_empty_lines_count() -> None:
    """Blank lines and surrounding whitespace are not billed."""
    padded = "\n\n".join(f"   {line}   " for line in ENGLISH.split(". "))
    assert priced(workflow(padded)) == priced(workflow("\n".join(ENGLISH.split(". "))))


def test_a_tiny_run_costs_the_one_credit_floor() -> None:
    """About a hundred characters round to nothing per node, but a run costs at least 1."""
    result = priced(workflow("x" * 107))
    assert (result["min_credits"], result["expected_credits"]) == (1, 1)
    assert all(r["expected_credits"] == 0 for r in result["breakdown"])


def test_every_extra_locale_adds_its_own_cost() -> None:
    """A translator to one more locale doubles the generator's cost for the same voice."""
    text = "a" * 10_000  # a round count, so per-node rounding cannot blur the ratio
    one = priced(workflow(text))
    two = priced(
        workflow(
            text,
            ("operator_translator", {"target_languages": ["ko-kr"]}),
            voice_map=voiced(ATLAS, "timbre-1-turbo", "en-us", "ko-kr"),
        )
    )
    assert row(two, "gen")["expected_credits"] == 2 * row(one, "gen")["expected_credits"]
    assert row(two, "op0")["expected_credits"] > 0


def test_byte_priced_models_charge_cjk_scripts_more() -> None:
    """A model billed per UTF-8 byte costs about three times more for Korean than English."""
    voice_map = voiced(YUI, "kestrel-swift", "en-us")
    latin = priced(workflow("a" * 10_000, voice_map=voice_map))
    hangul = priced(workflow("가" * 10_000, voice_map=voice_map))
    assert row(hangul, "gen")["expected_credits"] == 3 * row(latin, "gen")["expected_credits"]


def test_pronunciation_corrector_bills_words() -> None:
    """The corrector's cost follows the word count, not the character count."""
    corrector: tuple[str, dict[str, Any]] = ("operator_pronunciation_corrector", {})
    many_words = priced(workflow("a b " * 2_500, corrector))
    few_words = priced(workflow("abcd" * 2_500, corrector))
    assert row(many_words, "op0")["expected_credits"] > row(few_words, "op0")["expected_credits"]


def test_retries_raise_only_the_validators_maximum() -> None:
    """max_retries regenerations widen the maximum; the minimum stays one validation pass."""
    none = row(priced(workflow(ENGLISH, validator={"max_retries": 0})), "val")
    three = row(priced(workflow(ENGLISH, validator={"max_retries": 3})), "val")
    assert none["min_credits"] == three["min_credits"]
    assert three["max_credits"] > none["max_credits"]


def test_unwired_fail_port_means_no_retries() -> None:
    """Without a fail -> generator loop, failed takes are dropped, so nothing is redone."""
    looped = row(priced(workflow(ENGLISH, validator={"max_retries": 3})), "val")
    dropped = row(priced(workflow(ENGLISH, validator={"max_retries": 3}, loop=False)), "val")
    base = row(priced(workflow(ENGLISH, validator={"max_retries": 0})), "val")
    assert dropped == base
    assert looped["max_credits"] > dropped["max_credits"]


# -- balance and overage ---------------------------------------------------------------------


@pytest.mark.parametrize("balance", [0, 5, 10, 1_000])
def test_balance_sets_deficit_and_run_gate(balance: int) -> None:
    """deficit_at_max is the shortfall at the maximum; can_run compares the minimum."""
    result = priced(workflow(ENGLISH, validator={"max_retries": 3}), balance=balance)
    assert result["current_balance"] == balance
    assert result["deficit_at_max"] == max(0, result["max_credits"] - balance)
    assert result["can_run"] is (result["min_credits"] <= balance)


def test_overage_fields_are_null_without_a_rate() -> None:
    """A workspace without an overage rate gets null overage fields."""
    result = priced(workflow(ENGLISH), balance=0)
    assert [
        result[k]
        for k in ("overage_rate_cents_per_credit", "will_incur_overage", "estimated_overage_cents")
    ] == [None] * 3


@pytest.mark.parametrize(("balance", "incurs"), [(0, True), (10_000, False)])
def test_overage_is_estimated_from_expected_credits(balance: int, incurs: bool) -> None:
    """Overage is the expected credits above the balance, at the workspace's rate."""
    result = priced(workflow(ENGLISH), balance=balance, overage_rate_cents_per_credit=2.5)
    assert result["will_incur_overage"] is incurs
    expected_cents = math.ceil(max(0, result["expected_credits"] - balance) * 2.5)
    assert result["estimated_overage_cents"] == expected_cents


def test_script_text_of_reads_the_source_node() -> None:
    """script_text_of returns the source's saved text, or '' without a source."""
    assert script_text_of(workflow("Hello\nWorld")) == "Hello\nWorld"
    assert script_text_of({"graph": {"nodes": [], "edges": []}}) == ""


# -- what a run settles against what its estimate promised ------------------------------------


def _settled_in_full(definition: dict[str, Any], run_seed: int) -> int:
    """What a run of ``definition`` that completes every planned step is debited."""
    plan = make_plan(run_seed, f"run-{run_seed}", definition, CATALOG, fail=False)
    return settled_credits(sum(step.credits for step in plan.steps))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    threshold=st.sampled_from([None, 100]),
    lines=st.lists(st.text(alphabet="abc de,.", min_size=1, max_size=60), min_size=1,
                   max_size=6),
)
def test_a_completed_run_settles_between_its_estimates_minimum_and_maximum(
    seed: int, threshold: int | None, lines: list[str]
) -> None:
    """Each step bills its node's band at the expected rate, a generator once per voice, and
    retries only where a fail port loops back, so even a run whose every take is rejected
    (threshold 100: all retries used) stays within the maximum it was promised (issue 22:
    a forced run once settled 61 credits against a preview maximum of 49)."""
    definition = make_definition(random.Random(seed), CATALOG, script_lines=lines,
                                 source_language="en-us", target_locales=["fr-fr"])
    if threshold is not None:
        for node in definition["graph"]["nodes"]:
            if node["type"].startswith("validator_"):
                node["config"]["threshold"] = threshold
    try:
        promised = priced(definition, balance=0)
    except NoScriptText:
        return
    assert promised["min_credits"] <= _settled_in_full(definition, seed) \
        <= promised["max_credits"]


def test_a_validator_that_does_not_loop_back_never_regenerates() -> None:
    """Retries are configured but the fail port goes nowhere: one take per line, as priced."""
    definition = workflow(ENGLISH, validator={"max_retries": 3, "threshold": 100}, loop=False)
    plan = make_plan(7, "run-7", definition, CATALOG, fail=False)
    assert all(len(line.takes) == 1 for line in plan.line_locales)
    assert _settled_in_full(definition, 7) <= priced(definition)["max_credits"]


@pytest.mark.parametrize(("spent", "debited"), [(0.0, 0), (0.2, 1), (1.0, 1), (48.999, 48)])
def test_a_settlement_floors_with_a_one_credit_minimum(spent: float, debited: int) -> None:
    assert settled_credits(spent) == debited


def test_a_run_is_never_debited_more_than_its_estimates_maximum() -> None:
    """The plan carries the snapshot's maximum, and the settlement is capped at it (a hold),
    whatever the retries re-ran."""
    definition = workflow(ENGLISH, validator={"max_retries": 3, "threshold": 100})
    plan = make_plan(3, "run-3", definition, CATALOG, fail=False)
    assert plan.max_credits == priced(definition)["max_credits"]
    start = datetime(2026, 11, 1, tzinfo=UTC)
    done = fold(plan, start, [], start + timedelta(days=1))
    assert done.status == "completed"
    full = Progress(plan, done).settled_credits()
    assert full is not None and 0 < full <= plan.max_credits
    held = dataclasses.replace(plan, max_credits=full - 1)
    assert Progress(held, fold(held, start, [], start + timedelta(days=1))).settled_credits() \
        == full - 1
