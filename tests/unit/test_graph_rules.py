"""Save-time structure checks, run readiness, and the graph helpers used by the run planner."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onepin.types import WorkflowValidateOut

from mockserver.world.catalog.catalog import Catalog
from mockserver.world.catalog.catalog_types import Voice
from mockserver.world.catalog.graph_rules import (
    readiness_report,
    run_start_problems,
    structural_problems,
)
from mockserver.world.catalog.graph_view import (
    UNDETERMINED,
    graph_view,
    node_locales,
    sink_nodes,
    source_nodes,
    topological_waves,
)

CATALOG = Catalog.load()
DELETE = object()
Definition = dict[str, Any]


def node(node_id: str, node_type: str, **config: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "type": node_type,
        "name": node_id.title(),
        "position": {"x": 0, "y": 0},
        "config": config,
        "config_version": 1,
    }


def edge(edge_id: str, source: str, source_port: str, target: str) -> dict[str, Any]:
    return {
        "id": edge_id,
        "source": source,
        "sourcePort": source_port,
        "target": target,
        "targetPort": "lines",
    }


def assignment(voice: Voice, **changes: Any) -> dict[str, Any]:
    entry = {
        "voice_id": voice.provider_voice_id,
        "provider": voice.provider,
        "model": voice.models[0],
    }
    return {**entry, "catalog_voice_id": voice.id, "voice_name": voice.name, **changes}


EN_VOICE = CATALOG.voices_for("en-us")[0]


def minimal() -> Definition:
    """source -> generator -> sink, voiced for en-us: the smallest runnable workflow."""
    return {
        "graph": {
            "nodes": [
                node("src", "source_script", text="Hello.", source_language="en-us"),
                node("gen", "operator_generator", voice_map={"en-us": [assignment(EN_VOICE)]}),
                node("out", "sink_preview", format="wav"),
            ],
            "edges": [edge("e1", "src", "lines", "gen"), edge("e2", "gen", "lines", "out")],
        },
        "execution": {"steps": ["src", "gen", "out"], "params": {}},
    }


def with_validator(
    *extra_nodes: dict[str, Any], extra_edges: tuple[dict[str, Any], ...] = ()
) -> Definition:
    """minimal() with a validator between generator and sink whose fail loops back."""
    definition = minimal()
    graph = definition["graph"]
    graph["nodes"].insert(2, node("val", "validator_naturalness", threshold=85, max_retries=2))
    graph["nodes"].extend(extra_nodes)
    graph["edges"] = [
        edge("e1", "src", "lines", "gen"),
        edge("e2", "gen", "lines", "val"),
        edge("e3", "val", "pass", "out"),
        edge("e4", "val", "fail", "gen"),
        *extra_edges,
    ]
    definition["execution"] = {}
    return definition


def changed(path: tuple[Any, ...], value: Any) -> Callable[[Definition], object]:
    """A mutation of minimal(): set (or DELETE, or append at len()) the value at `path`."""

    def mutate(definition: Definition) -> object:
        target: Any = definition
        for key in path[:-1]:
            target = target[key]
        if value is DELETE:
            del target[path[-1]]
        elif isinstance(target, list) and path[-1] == len(target):
            target.append(value)
        else:
            target[path[-1]] = value
        return definition

    return mutate


def without(node_id: str) -> Callable[[Definition], Definition]:
    """A mutation that removes a node together with its edges and its step."""

    def mutate(definition: Definition) -> Definition:
        graph = definition["graph"]
        graph["nodes"] = [n for n in graph["nodes"] if n["id"] != node_id]
        graph["edges"] = [e for e in graph["edges"] if node_id not in (e["source"], e["target"])]
        definition["execution"]["steps"] = [
            s for s in definition["execution"]["steps"] if s != node_id
        ]
        return definition

    return mutate


NODES, EDGES = ("graph", "nodes"), ("graph", "edges")
STRUCTURAL_CASES = [
    pytest.param(lambda d: [d], "definition", "invalid_definition", id="definition-not-object"),
    pytest.param(
        changed(("graph",), []), "definition.graph", "invalid_definition", id="graph-list"
    ),
    pytest.param(
        changed(NODES, "many"), "definition.graph.nodes", "invalid_definition", id="nodes"
    ),
    pytest.param(changed(EDGES, {}), "definition.graph.edges", "invalid_definition", id="edges"),
    pytest.param(
        changed((*NODES, 1), "gen"), "definition.graph.nodes[1]", "invalid_definition", id="node"
    ),
    pytest.param(
        changed((*NODES, 1, "id"), " "),
        "definition.graph.nodes[1].id",
        "invalid_definition",
        id="blank-id",
    ),
    pytest.param(
        changed((*NODES, 2, "id"), "gen"),
        "definition.graph.nodes[2].id",
        "duplicate_node_id",
        id="dup-node",
    ),
    pytest.param(
        changed((*NODES, 1, "type"), "operator_teleporter"),
        "definition.graph.nodes[1].type",
        "unknown_node_type",
        id="unknown-type",
    ),
    pytest.param(
        changed((*NODES, 1, "type"), "decision_score_router"),
        "definition.graph.nodes[1].type",
        "unknown_node_type",
        id="catalog-preview-type",
    ),
    pytest.param(
        changed((*NODES, 0, "position"), DELETE),
        "definition.graph.nodes[0].position",
        "invalid_definition",
        id="no-position",
    ),
    pytest.param(
        changed((*NODES, 0, "position"), {"x": "1", "y": 2}),
        "definition.graph.nodes[0].position",
        "invalid_definition",
        id="text-position",
    ),
    pytest.param(
        changed((*NODES, 0, "config"), []),
        "definition.graph.nodes[0].config",
        "invalid_definition",
        id="config",
    ),
    pytest.param(
        changed((*NODES, 0, "name"), 5),
        "definition.graph.nodes[0].name",
        "invalid_definition",
        id="name",
    ),
    pytest.param(
        changed((*EDGES, 1, "id"), "e1"),
        "definition.graph.edges[1].id",
        "duplicate_edge_id",
        id="dup-edge",
    ),
    pytest.param(
        changed((*EDGES, 0, "source"), "ghost"),
        "definition.graph.edges[0].source",
        "dangling_edge",
        id="dangling-source",
    ),
    pytest.param(
        changed((*EDGES, 1, "target"), "ghost"),
        "definition.graph.edges[1].target",
        "dangling_edge",
        id="dangling-target",
    ),
    pytest.param(
        changed((*EDGES, 0, "sourcePort"), "text"),
        "definition.graph.edges[0].sourcePort",
        "incompatible_ports",
        id="unknown-source-port",
    ),
    pytest.param(
        changed((*EDGES, 1, "targetPort"), "audio"),
        "definition.graph.edges[1].targetPort",
        "incompatible_ports",
        id="unknown-target-port",
    ),
    pytest.param(
        changed((*EDGES, 2), edge("e3", "out", "lines", "gen")),
        "definition.graph.edges[2].sourcePort",
        "incompatible_ports",
        id="sink-has-no-output",
    ),
    pytest.param(
        changed((*EDGES, 2), edge("e3", "gen", "lines", "src")),
        "definition.graph.edges[2].targetPort",
        "incompatible_ports",
        id="source-has-no-input",
    ),
    pytest.param(
        changed(("execution", "steps"), ["src", "nope"]),
        "definition.execution.steps[1]",
        "unknown_step",
        id="unknown-step",
    ),
    pytest.param(
        changed(("execution",), "fast"),
        "definition.execution",
        "invalid_definition",
        id="execution",
    ),
    pytest.param(
        changed(("execution", "params"), []),
        "definition.execution.params",
        "invalid_definition",
        id="params",
    ),
]


# -- save-time structure --------------------------------------------------------------------


def test_minimal_workflow_passes_every_check() -> None:
    """source -> generator -> sink with a voice is structurally sound and ready to run."""
    definition = minimal()
    assert structural_problems(definition, CATALOG) == []
    assert run_start_problems(definition, CATALOG) == []
    report = readiness_report(definition, CATALOG)
    assert (report["valid"], report["errors"], report["warnings"], report["blocked"]) == (
        True,
        [],
        [],
        [],
    )


@pytest.mark.parametrize(
    "definition",
    [
        {},
        {"graph": None, "execution": None},
        {"graph": {"nodes": [], "edges": []}, "execution": {}},
        {"graph": {"nodes": None, "edges": None}},
        without("out")(minimal()),
    ],
    ids=["empty-object", "nulls", "empty-graph", "null-lists", "no-sink"],
)
def test_empty_or_sinkless_graphs_are_structurally_fine(definition: object) -> None:
    """An empty graph or one without a sink saves; it only cannot run."""
    assert structural_problems(definition, CATALOG) == []


@pytest.mark.parametrize(("mutate", "field", "rule"), STRUCTURAL_CASES)
def test_structural_rule_reports_its_field(
    mutate: Callable[[Definition], object], field: str, rule: str
) -> None:
    """Each save-time rule points at the offending place in the request body."""
    problems = structural_problems(mutate(minimal()), CATALOG)
    assert (field, rule) in [(p.field, p.rule) for p in problems]


@pytest.mark.parametrize(("mutate", "field", "rule"), STRUCTURAL_CASES)
def test_structural_rule_is_a_readiness_error(
    mutate: Callable[[Definition], object], field: str, rule: str
) -> None:
    """Validate reports every structural problem as an error and marks the graph invalid."""
    report = readiness_report(mutate(minimal()), CATALOG)
    WorkflowValidateOut.model_validate(report)
    assert report["valid"] is False
    assert any(
        e["rule"] == rule and e["message"].startswith(f"{field}: ") for e in report["errors"]
    )


def test_unknown_type_error_names_the_node() -> None:
    """An error about one node carries that node's id and name."""
    report = readiness_report(
        changed((*NODES, 1, "type"), "operator_teleporter")(minimal()), CATALOG
    )
    error = next(e for e in report["errors"] if e["rule"] == "unknown_node_type")
    assert (error["node_id"], error["node_name"]) == ("gen", "Gen")


def test_port_error_lists_the_ports_that_exist() -> None:
    """An unknown port is reported with the ports the node type really has."""
    definition = changed((*EDGES, 1, "sourcePort"), "audio")(minimal())
    (problem,) = structural_problems(definition, CATALOG)
    assert problem.node_id == "gen"
    assert "no output port 'audio' (it has: lines)" in problem.message


# -- run start and readiness ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mutate", "rules"),
    [
        (
            lambda d: without("src")(without("gen")(without("out")(d))),
            {"missing_source", "missing_sink"},
        ),
        (without("out"), {"missing_sink"}),
        (without("src"), {"missing_source"}),
        (changed((*EDGES, 1), DELETE), {"unreachable_sink"}),
    ],
    ids=["empty", "no-sink", "no-source", "sink-not-connected"],
)
def test_run_start_needs_source_sink_and_a_path(
    mutate: Callable[[Definition], Definition], rules: set[str]
) -> None:
    """A run needs a source, a sink, and a path from one to the other."""
    definition = mutate(minimal())
    assert {p.rule for p in run_start_problems(definition, CATALOG)} == rules
    assert {e["rule"] for e in readiness_report(definition, CATALOG)["errors"]} == rules


def test_unreachable_sink_points_at_the_sink() -> None:
    """unreachable_sink names the sink node and its place in the node list."""
    (problem,) = run_start_problems(changed((*EDGES, 1), DELETE)(minimal()), CATALOG)
    assert (problem.field, problem.node_id) == ("definition.graph.nodes[2]", "out")


def _translated_to(*targets: str) -> Definition:
    definition = minimal()
    definition["graph"]["nodes"].append(
        node("tr", "operator_translator", target_languages=list(targets))
    )
    definition["graph"]["edges"][0] = edge("e1", "src", "lines", "tr")
    definition["graph"]["edges"].append(edge("e3", "tr", "lines", "gen"))
    return definition


def test_missing_voice_for_a_received_locale_is_a_readiness_error_only() -> None:
    """A generator without a voice for a locale it receives fails validate, not run start."""
    definition = _translated_to("ko-kr")
    report = readiness_report(definition, CATALOG)
    assert [(e["rule"], e["node_id"]) for e in report["errors"]] == [("missing_voice", "gen")]
    assert "ko-kr" in report["errors"][0]["message"]
    assert report["errors"][0]["message"].startswith("definition.graph.nodes[1].config.voice_map")
    assert run_start_problems(definition, CATALOG) == []


def test_translated_graph_with_every_voice_is_valid() -> None:
    """Assigning a voice to each received locale satisfies the voice rule."""
    definition = _translated_to("ko-kr")
    voice_map = definition["graph"]["nodes"][1]["config"]["voice_map"]
    voice_map["ko-kr"] = [assignment(CATALOG.voices_for("ko-kr")[0])]
    assert readiness_report(definition, CATALOG)["valid"] is True


def test_empty_script_is_not_an_error() -> None:
    """A script can be supplied at run time, so an empty one does not fail validate."""
    definition = changed((*NODES, 0, "config", "text"), "")(minimal())
    assert readiness_report(definition, CATALOG)["valid"] is True


@pytest.mark.parametrize(
    ("changes", "rule", "hint"),
    [
        ({"voice_id": EN_VOICE.id}, "unknown_voice", "catalog id"),
        ({"voice_id": "nobody-here"}, "unknown_voice", "not in the voice catalog"),
        ({"provider": "someone-else"}, "unsupported_voice", "not someone-else/"),
        ({"model": "no-such-model"}, "unsupported_voice", "no-such-model"),
        ({"model": None}, "invalid_voice", "needs voice_id, provider and model"),
    ],
    ids=["swapped-ids", "unknown-id", "wrong-provider", "wrong-model", "missing-model"],
)
def test_voice_references_are_checked_against_the_catalog(
    changes: dict[str, Any], rule: str, hint: str
) -> None:
    """A voice assignment the catalog cannot voice is a readiness error naming the voice."""
    definition = minimal()
    definition["graph"]["nodes"][1]["config"]["voice_map"]["en-us"] = [
        assignment(EN_VOICE, **changes)
    ]
    errors = readiness_report(definition, CATALOG)["errors"]
    assert [e["rule"] for e in errors] == [rule]
    assert hint in errors[0]["message"]


def test_voice_that_does_not_speak_the_locale_is_unsupported() -> None:
    """Assigning a voice to a locale it does not speak is an error."""
    korean_only = next(v for v in CATALOG.voices_for("ko-kr") if "en-us" not in v.locales)
    definition = minimal()
    definition["graph"]["nodes"][1]["config"]["voice_map"]["en-us"] = [assignment(korean_only)]
    errors = readiness_report(definition, CATALOG)["errors"]
    assert [e["rule"] for e in errors] == ["unsupported_voice"]


def test_source_without_language_needs_at_least_one_voice() -> None:
    """With the language detected at run time, any voice satisfies the generator."""
    definition = minimal()
    del definition["graph"]["nodes"][0]["config"]["source_language"]
    assert readiness_report(definition, CATALOG)["valid"] is True
    definition["graph"]["nodes"][1]["config"]["voice_map"] = {}
    assert [e["rule"] for e in readiness_report(definition, CATALOG)["errors"]] == ["missing_voice"]


def test_retry_loop_is_a_cycle_warning_not_an_error() -> None:
    """A validator's fail -> generator loop warns `cycle` and leaves the graph valid."""
    report = readiness_report(with_validator(), CATALOG)
    assert report["valid"] is True
    assert [(w["rule"], w["node_id"]) for w in report["warnings"]] == [("cycle", "gen")]
    WorkflowValidateOut.model_validate(report)


def test_summary_describes_the_graph() -> None:
    """The summary counts nodes, edges, sources and sinks and lists the audio locales."""
    summary = readiness_report(_translated_to("ko-kr", "ja-jp"), CATALOG)["summary"]
    assert summary == {
        "node_count": 4,
        "edge_count": 3,
        "source_count": 1,
        "sink_count": 1,
        "locales": ["en-us", "ja-jp", "ko-kr"],
        "node_types": {
            "source_script": 1,
            "operator_generator": 1,
            "sink_preview": 1,
            "operator_translator": 1,
        },
    }


# -- graph helpers ----------------------------------------------------------------------------


def test_source_and_sink_nodes_are_found_by_type() -> None:
    """source_nodes and sink_nodes list the ids of source_script and sink_preview nodes."""
    definition = with_validator(node("out2", "sink_preview"))
    assert source_nodes(definition) == ["src"]
    assert sink_nodes(definition) == ["out", "out2"]


def test_waves_of_a_chain_are_single_nodes() -> None:
    """A straight chain runs one node per wave, in order."""
    assert topological_waves(minimal(), CATALOG) == [["src"], ["gen"], ["out"]]


def test_waves_ignore_the_retry_loop_and_group_fan_out() -> None:
    """The fail back-edge does not order anything; sinks fed by one port share a wave."""
    definition = with_validator(
        node("out2", "sink_preview"), extra_edges=(edge("e5", "val", "pass", "out2"),)
    )
    assert topological_waves(definition, CATALOG) == [["src"], ["gen"], ["val"], ["out", "out2"]]


def test_fail_edge_to_a_downstream_generator_still_orders_it() -> None:
    """A fail port feeding a fallback generator puts that generator after the validator."""
    definition = with_validator(
        node("gen2", "operator_generator"),
        extra_edges=(edge("e5", "val", "fail", "gen2"), edge("e6", "gen2", "lines", "out")),
    )
    assert topological_waves(definition, CATALOG) == [["src"], ["gen"], ["val"], ["gen2"], ["out"]]


def test_waves_survive_a_loop_that_is_not_a_retry() -> None:
    """A lines -> lines loop is broken so every node still lands in exactly one wave."""
    definition = minimal()
    definition["graph"]["nodes"].append(node("norm", "operator_normalizer"))
    definition["graph"]["edges"] += [
        edge("e3", "gen", "lines", "norm"),
        edge("e4", "norm", "lines", "gen"),
    ]
    waves = topological_waves(definition, CATALOG)
    assert sorted(n for wave in waves for n in wave) == ["gen", "norm", "out", "src"]
    assert waves[0] == ["src"]


def test_node_locales_follow_translators_and_overrides() -> None:
    """A translator adds its targets to the source locale; a run-time language replaces it."""
    definition = _translated_to("ko-kr")
    assert node_locales(definition)["gen"] == {"en-us", "ko-kr"}
    assert node_locales(definition, source_language="de-de")["gen"] == {"de-de", "ko-kr"}
    unsaved = changed((*NODES, 0, "config", "source_language"), DELETE)(minimal())
    assert node_locales(unsaved)["out"] == {UNDETERMINED}


# -- properties -----------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
IDS = st.sampled_from(["a", "b", "c", "", " "]) | JSON
PORTS = st.sampled_from(["lines", "pass", "fail", "audio"]) | JSON
CONFIG_KEYS = st.sampled_from(
    ["voice_map", "target_languages", "source_language", "max_retries", "text"]
)
NODE_LIKE = st.fixed_dictionaries(
    {
        "id": IDS,
        "type": st.sampled_from([*CATALOG.node_types(), "bogus"]) | JSON,
        "position": st.fixed_dictionaries({"x": st.integers(), "y": st.integers()}) | JSON,
    },
    optional={"config": st.dictionaries(CONFIG_KEYS, JSON) | JSON, "name": JSON},
)
EDGE_LIKE = st.fixed_dictionaries(
    {"id": IDS, "source": IDS, "sourcePort": PORTS, "target": IDS, "targetPort": PORTS}
)
GRAPH_LIKE = st.fixed_dictionaries(
    {
        "graph": st.fixed_dictionaries(
            {
                "nodes": st.lists(NODE_LIKE | JSON, max_size=6),
                "edges": st.lists(EDGE_LIKE | JSON, max_size=8),
            }
        )
    },
    optional={"execution": st.fixed_dictionaries({"steps": st.lists(IDS, max_size=3)}) | JSON},
)


@settings(max_examples=300, deadline=None)
@given(definition=JSON | GRAPH_LIKE)
def test_checks_never_raise_on_arbitrary_json(definition: object) -> None:
    """Any JSON yields problems rooted at `definition`, never an exception."""
    before = copy.deepcopy(definition)
    for problem in structural_problems(definition, CATALOG) + run_start_problems(
        definition, CATALOG
    ):
        assert problem.field.startswith("definition")
    report = readiness_report(definition, CATALOG)
    assert WorkflowValidateOut.model_validate(report).valid is (report["errors"] == [])
    assert definition == before, "checks must not modify their input"


@settings(max_examples=300, deadline=None)
@given(definition=JSON | GRAPH_LIKE)
def test_waves_place_every_usable_node_exactly_once(definition: object) -> None:
    """topological_waves partitions the usable node ids, whatever the input."""
    waves = topological_waves(definition, CATALOG)
    placed = [node_id for wave in waves for node_id in wave]
    assert sorted(placed) == sorted(n.id for n in graph_view(definition).nodes)
    assert all(waves), "no empty waves"
