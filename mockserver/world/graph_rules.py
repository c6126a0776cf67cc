"""Checks on workflow definitions: what may be saved, and what may run.

Two levels, as the API has them. `structural_problems` is the save-time check (create, PUT and
PATCH answer 422 with these as details). `readiness_report` is POST /workflows/validate: the
structural rules plus every run-start rule; `run_start_problems` is the part of those that
refuses a run start. All functions accept arbitrary JSON and never raise: malformed parts are
reported by the checks and skipped by the graph helpers.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeGuard

from .catalog import Catalog, Direction

__all__ = [
    "UNDETERMINED",
    "EdgeView",
    "GraphView",
    "NodeView",
    "Problem",
    "graph_view",
    "node_locales",
    "readiness_report",
    "run_start_problems",
    "sink_nodes",
    "source_nodes",
    "structural_problems",
    "topological_waves",
    "translator_targets",
    "voice_assignments",
]

SOURCE = "source_script"
SINK = "sink_preview"
GENERATOR = "operator_generator"
TRANSLATOR = "operator_translator"
FAIL_PORT = "fail"
# BCP-47 "undetermined": a source with no saved language, detected only at run time.
UNDETERMINED = "und"

_ROOT = "definition"
_NODES = f"{_ROOT}.graph.nodes"
_EDGES = f"{_ROOT}.graph.edges"
_EDGE_ENDS: tuple[tuple[str, str, Direction], ...] = (
    ("source", "sourcePort", "outputs"),
    ("target", "targetPort", "inputs"),
)
# Optional node keys and the JSON type each must have when present and not null.
_OPTIONAL_NODE_KEYS: tuple[tuple[str, type, str], ...] = (
    ("name", str, "a string"),
    ("config", dict, "an object"),
    ("config_version", int, "an integer"),
)


@dataclass(frozen=True)
class Problem:
    """One rule violation. `field` is a dotted path into the request body."""

    field: str
    message: str
    rule: str = "invalid_definition"
    node_id: str | None = None


# -- a lenient view of a definition: the usable parts of arbitrary JSON ------------------------


@dataclass(frozen=True)
class NodeView:
    index: int  # position in definition.graph.nodes, for field paths
    id: str
    type: str
    name: str | None
    config: Mapping[str, Any]


@dataclass(frozen=True)
class EdgeView:
    id: str
    source: str
    source_port: str
    target: str
    target_port: str


@dataclass(frozen=True)
class GraphView:
    """Nodes with a usable id and type (first wins on duplicates); edges between them."""

    nodes: tuple[NodeView, ...]
    edges: tuple[EdgeView, ...]

    @cached_property
    def by_id(self) -> dict[str, NodeView]:
        return {n.id: n for n in self.nodes}

    def of_type(self, node_type: str) -> list[NodeView]:
        return [n for n in self.nodes if n.type == node_type]


def graph_view(definition: object) -> GraphView:
    graph = definition.get("graph") if isinstance(definition, dict) else None
    nodes: dict[str, NodeView] = {}
    for i, raw in enumerate(_list_in(graph, "nodes")):
        node = _node_view(i, raw)
        if node is not None and node.id not in nodes:
            nodes[node.id] = node
    edges = (_edge_view(raw) for raw in _list_in(graph, "edges"))
    usable = tuple(e for e in edges if e and e.source in nodes and e.target in nodes)
    return GraphView(tuple(nodes.values()), usable)


def _list_in(container: object, key: str) -> list[Any]:
    value = container.get(key) if isinstance(container, dict) else None
    return value if isinstance(value, list) else []


def _node_view(index: int, raw: object) -> NodeView | None:
    if (
        not isinstance(raw, dict)
        or not _is_id(raw.get("id"))
        or not isinstance(raw.get("type"), str)
    ):
        return None
    name, config = raw.get("name"), raw.get("config")
    return NodeView(
        index=index,
        id=raw["id"],
        type=raw["type"],
        name=name if isinstance(name, str) else None,
        config=config if isinstance(config, dict) else {},
    )


def _edge_view(raw: object) -> EdgeView | None:
    keys = ("id", "source", "sourcePort", "target", "targetPort")
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) for k in keys):
        return None
    return EdgeView(*(raw[k] for k in keys))


def _is_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def _short(value: object) -> str:
    # Messages echo client input; keep a huge or nested value from flooding the error body.
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# -- save-time structure ------------------------------------------------------------------------


def structural_problems(definition: object, catalog: Catalog) -> list[Problem]:
    """Save-time checks: shape, ids, node types, edge ends and ports, execution steps."""
    if not isinstance(definition, dict):
        return [Problem(_ROOT, "must be an object with `graph` and `execution` keys")]
    problems: list[Problem] = []
    nodes, edges = _graph_lists(definition.get("graph"), problems)
    node_types = _check_nodes(nodes, catalog, problems)
    _check_edges(edges, node_types, catalog, problems)
    _check_execution(definition.get("execution"), node_types, problems)
    return problems


def _graph_lists(graph: object, problems: list[Problem]) -> tuple[list[Any], list[Any]]:
    if graph is None:
        return [], []
    if not isinstance(graph, dict):
        problems.append(Problem(f"{_ROOT}.graph", "must be an object or null"))
        return [], []
    return _optional_list(graph, "nodes", problems), _optional_list(graph, "edges", problems)


def _optional_list(graph: dict[str, Any], key: str, problems: list[Problem]) -> list[Any]:
    value = graph.get(key)
    if value is None or isinstance(value, list):
        return value or []
    problems.append(Problem(f"{_ROOT}.graph.{key}", "must be a list or null"))
    return []


def _check_nodes(
    nodes: list[Any], catalog: Catalog, problems: list[Problem]
) -> dict[str, str | None]:
    """Report node problems; return the usable ids with their type (None when unknown)."""
    types: dict[str, str | None] = {}
    for i, node in enumerate(nodes):
        at = f"{_NODES}[{i}]"
        if not isinstance(node, dict):
            problems.append(Problem(at, "must be an object"))
            continue
        node_id = node.get("id")
        known = _check_node_type(node, at, catalog, problems)
        _check_node_keys(node, at, problems)
        if not _is_id(node_id):
            problems.append(Problem(f"{at}.id", "must be a non-empty string"))
        elif node_id in types:
            message = f"node id {node_id!r} is already used by another node"
            problems.append(Problem(f"{at}.id", message, "duplicate_node_id", node_id))
        else:
            types[node_id] = known
    return types


def _check_node_type(
    node: dict[str, Any], at: str, catalog: Catalog, problems: list[Problem]
) -> str | None:
    node_type, node_id = node.get("type"), node.get("id")
    if isinstance(node_type, str) and catalog.get(node_type) is not None:
        return node_type
    message = f"unknown node type {_short(node_type)}; GET /api/v1/nodes lists the valid ones"
    owner = node_id if _is_id(node_id) else None
    problems.append(Problem(f"{at}.type", message, "unknown_node_type", owner))
    return None


def _check_node_keys(node: dict[str, Any], at: str, problems: list[Problem]) -> None:
    position = node.get("position")
    if not (isinstance(position, dict) and all(_is_number(position.get(k)) for k in "xy")):
        problems.append(Problem(f"{at}.position", "must be an object with numeric x and y"))
    for key, json_type, described in _OPTIONAL_NODE_KEYS:
        value = node.get(key)
        if value is not None and (not isinstance(value, json_type) or isinstance(value, bool)):
            problems.append(Problem(f"{at}.{key}", f"must be {described} or null"))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_edges(
    edges: list[Any], node_types: dict[str, str | None], catalog: Catalog, problems: list[Problem]
) -> None:
    seen: set[str] = set()
    for i, edge in enumerate(edges):
        at = f"{_EDGES}[{i}]"
        if not isinstance(edge, dict):
            problems.append(Problem(at, "must be an object"))
            continue
        edge_id = edge.get("id")
        if not _is_id(edge_id):
            problems.append(Problem(f"{at}.id", "must be a non-empty string"))
        elif edge_id in seen:
            message = f"edge id {edge_id!r} is already used by another edge"
            problems.append(Problem(f"{at}.id", message, "duplicate_edge_id"))
        else:
            seen.add(edge_id)
        for end, port_key, direction in _EDGE_ENDS:
            _check_edge_end(edge, at, (end, port_key, direction), node_types, catalog, problems)


def _check_edge_end(
    edge: dict[str, Any],
    at: str,
    end: tuple[str, str, Direction],
    node_types: dict[str, str | None],
    catalog: Catalog,
    problems: list[Problem],
) -> None:
    key, port_key, direction = end
    ref, port = edge.get(key), edge.get(port_key)
    if not isinstance(ref, str) or ref not in node_types:
        message = f"{key} {_short(ref)} is not the id of a node in this graph"
        problems.append(Problem(f"{at}.{key}", message, "dangling_edge"))
    if not isinstance(port, str) or not port:
        problems.append(Problem(f"{at}.{port_key}", "must be a port name", "incompatible_ports"))
        return
    node_type = node_types.get(ref) if isinstance(ref, str) else None
    if node_type is None:
        return  # the missing node or its unknown type is reported already
    ports = catalog.port_names(node_type, direction)
    if port not in ports:
        side = "output" if direction == "outputs" else "input"
        message = f"{node_type} has no {side} port {port!r} (it has: {', '.join(ports) or 'none'})"
        problems.append(Problem(f"{at}.{port_key}", message, "incompatible_ports", ref))


def _check_execution(
    execution: object, node_types: dict[str, str | None], problems: list[Problem]
) -> None:
    at = f"{_ROOT}.execution"
    if execution is None:
        return
    if not isinstance(execution, dict):
        problems.append(Problem(at, "must be an object or null"))
        return
    steps, params = execution.get("steps"), execution.get("params")
    if steps is not None and not isinstance(steps, list):
        problems.append(Problem(f"{at}.steps", "must be a list of node ids or null"))
    for j, step in enumerate(steps if isinstance(steps, list) else []):
        if not isinstance(step, str) or step not in node_types:
            message = f"{_short(step)} is not the id of a node in this graph"
            problems.append(Problem(f"{at}.steps[{j}]", message, "unknown_step"))
    if params is not None and not isinstance(params, dict):
        problems.append(Problem(f"{at}.params", "must be an object or null"))


# -- run start ------------------------------------------------------------------------------------


def run_start_problems(definition: object, catalog: Catalog) -> list[Problem]:
    """What refuses a run start (422): structure, then source, sink and a path between them."""
    return structural_problems(definition, catalog) + _completeness_problems(graph_view(definition))


def readiness_report(definition: object, catalog: Catalog) -> dict[str, Any]:
    """WorkflowValidateOut: every structural and run-start rule, plus non-blocking warnings."""
    view = graph_view(definition)
    errors = (
        structural_problems(definition, catalog)
        + _completeness_problems(view)
        + _voice_problems(view, catalog)
    )
    return {
        "valid": not errors,
        "summary": _summary(view),
        "errors": [_detail(p, view) for p in errors],
        "warnings": [_detail(p, view) for p in _cycle_warnings(view)],
        "blocked": [],  # the mock gates no node or provider by plan
    }


def _detail(problem: Problem, view: GraphView) -> dict[str, Any]:
    node = view.by_id.get(problem.node_id) if problem.node_id else None
    return {
        "rule": problem.rule,
        "node_id": problem.node_id,
        "node_name": node.name if node else None,
        "message": f"{problem.field}: {problem.message}",
    }


def _completeness_problems(view: GraphView) -> list[Problem]:
    sources, sinks = view.of_type(SOURCE), view.of_type(SINK)
    problems: list[Problem] = []
    if not sources:
        message = "add a source_script node; a run needs a script to read"
        problems.append(Problem(_NODES, message, "missing_source"))
    if not sinks:
        message = "add a sink_preview node; a run needs somewhere to deliver its audio"
        problems.append(Problem(_NODES, message, "missing_sink"))
    if sources:  # without a source every sink is unreachable; missing_source says it already
        reached = _reachable([s.id for s in sources], _successors(view.edges))
        problems += [
            Problem(
                f"{_NODES}[{s.index}]",
                "no path leads to it from a source",
                "unreachable_sink",
                s.id,
            )
            for s in sinks
            if s.id not in reached
        ]
    return problems


def _voice_problems(view: GraphView, catalog: Catalog) -> list[Problem]:
    received = _node_locales(view, None)
    problems: list[Problem] = []
    for node in view.of_type(GENERATOR):
        problems += _generator_voice_problems(node, received[node.id], catalog)
    return problems


def _generator_voice_problems(
    node: NodeView, received: set[str], catalog: Catalog
) -> list[Problem]:
    at = f"{_NODES}[{node.index}].config.voice_map"
    raw_map = node.config.get("voice_map")
    voice_map: dict[str, Any] = raw_map if isinstance(raw_map, dict) else {}
    problems = [
        Problem(
            at,
            f"no voice assigned for {loc}, which this generator receives",
            "missing_voice",
            node.id,
        )
        for loc in sorted(received - {UNDETERMINED})
        if not voice_assignments(voice_map.get(loc))
    ]
    if UNDETERMINED in received and not voice_map:
        message = "assign a voice; the script language is only known at run time"
        problems.append(Problem(at, message, "missing_voice", node.id))
    for loc, value in voice_map.items():
        for j, assignment in enumerate(voice_assignments(value)):
            issue = _assignment_issue(assignment, loc, catalog)
            if issue:
                problems.append(Problem(f"{at}.{loc}[{j}]", issue[1], issue[0], node.id))
    return problems


def voice_assignments(value: object) -> list[dict[str, Any]]:
    """The VoiceAssignment objects of one voice_map entry, ignoring malformed parts."""
    return [a for a in value if isinstance(a, dict)] if isinstance(value, list) else []


def _assignment_issue(
    assignment: dict[str, Any], locale: str, catalog: Catalog
) -> tuple[str, str] | None:
    """(rule, message) when a VoiceAssignment cannot be voiced as written, else None."""
    voice_id, provider, model = (assignment.get(k) for k in ("voice_id", "provider", "model"))
    if not (isinstance(voice_id, str) and isinstance(provider, str) and isinstance(model, str)):
        return "invalid_voice", "a voice assignment needs voice_id, provider and model strings"
    voice = catalog.find_voice(voice_id)
    if voice is None:
        # Swapped ids are a known client slip: the API accepts them at save, fails at run.
        swapped = any(v.id == voice_id for v in catalog.voices)
        hint = "; that is a catalog id, voice_id takes the provider's voice id" if swapped else ""
        return "unknown_voice", f"voice {voice_id!r} is not in the voice catalog{hint}"
    if voice.provider != provider or model not in voice.models:
        offered = ", ".join(f"{voice.provider}/{m}" for m in voice.models)
        return "unsupported_voice", f"{voice.name} is offered as {offered}, not {provider}/{model}"
    if locale not in voice.locales:
        return "unsupported_voice", f"{voice.name} does not speak {locale}"
    return None


def _cycle_warnings(view: GraphView) -> list[Problem]:
    """One `cycle` warning per loop (strongly connected group), named by its first node."""
    succ = _successors(view.edges)
    reach = {n.id: _reachable(succ.get(n.id, []), succ) for n in view.nodes}
    warned: set[str] = set()
    problems: list[Problem] = []
    for node in view.nodes:
        if node.id in reach[node.id] and node.id not in warned:
            loop = [n.id for n in view.nodes if n.id in reach[node.id] and node.id in reach[n.id]]
            warned.update(loop)
            message = f"{', '.join(loop)} form a loop; items leave it when retries run out"
            problems.append(Problem(_EDGES, message, "cycle", node.id))
    return problems


def _summary(view: GraphView) -> dict[str, Any]:
    locales = set().union(*_node_locales(view, None).values()) - {UNDETERMINED}
    return {
        "node_count": len(view.nodes),
        "edge_count": len(view.edges),
        "source_count": len(view.of_type(SOURCE)),
        "sink_count": len(view.of_type(SINK)),
        "locales": sorted(locales),
        "node_types": dict(Counter(n.type for n in view.nodes)),
    }


# -- graph helpers for planners and pricing -------------------------------------------------------


def source_nodes(definition: object) -> list[str]:
    return [n.id for n in graph_view(definition).of_type(SOURCE)]


def sink_nodes(definition: object) -> list[str]:
    return [n.id for n in graph_view(definition).of_type(SINK)]


def node_locales(
    definition: object, source_language: str | None = None
) -> dict[str, frozenset[str]]:
    """Locales of the lines each node receives; for a source, the locale it emits.

    `source_language` stands for a run-time override; a source with no saved language
    yields UNDETERMINED. A translator passes its input on and adds its targets.
    """
    found = _node_locales(graph_view(definition), source_language)
    return {node_id: frozenset(locales) for node_id, locales in found.items()}


def _node_locales(view: GraphView, source_language: str | None) -> dict[str, set[str]]:
    received: dict[str, set[str]] = {n.id: set() for n in view.nodes}
    for node in view.of_type(SOURCE):
        received[node.id] = {source_language or _saved_language(node)}
    # Propagate to a fixed point: sets only grow and are bounded, so loops terminate.
    changed = True
    while changed:
        changed = False
        for edge in view.edges:
            if view.by_id[edge.target].type == SOURCE:
                continue
            emitted = _emitted(view.by_id[edge.source], received[edge.source])
            if not emitted <= received[edge.target]:
                received[edge.target] |= emitted
                changed = True
    return received


def _saved_language(node: NodeView) -> str:
    language = node.config.get("source_language")
    return language.lower() if isinstance(language, str) and language else UNDETERMINED


def _emitted(node: NodeView, received: set[str]) -> set[str]:
    return received | set(translator_targets(node)) if node.type == TRANSLATOR else received


def translator_targets(node: NodeView) -> list[str]:
    targets = node.config.get("target_languages")
    return [t for t in targets if isinstance(t, str)] if isinstance(targets, list) else []


def topological_waves(definition: object, catalog: Catalog) -> list[list[str]]:
    """Node ids in execution waves; nodes of one wave may run in parallel.

    Validator `fail` edges that loop back upstream (the retry loop) are ignored; a `fail` edge
    to a node downstream (a fallback generator) still orders it. Any other loop is broken at
    its first node in graph order, so every node lands in exactly one wave.
    """
    view = graph_view(definition)
    preds: dict[str, set[str]] = {n.id: set() for n in view.nodes}
    for edge in _forward_edges(view, catalog):
        if edge.source != edge.target:
            preds[edge.target].add(edge.source)
    order = [n.id for n in view.nodes]
    waves: list[list[str]] = []
    done: set[str] = set()
    while len(done) < len(order):
        ready = [n for n in order if n not in done and preds[n] <= done]
        wave = ready or [next(n for n in order if n not in done)]
        waves.append(wave)
        done.update(wave)
    return waves


def _forward_edges(view: GraphView, catalog: Catalog) -> list[EdgeView]:
    def is_fail(edge: EdgeView) -> bool:
        kind = catalog.category(view.by_id[edge.source].type)
        return edge.source_port == FAIL_PORT and kind == "validation"

    plain = _successors(e for e in view.edges if not is_fail(e))
    return [e for e in view.edges if not (is_fail(e) and e.source in _reachable([e.target], plain))]


def _successors(edges: Iterable[EdgeView]) -> dict[str, list[str]]:
    succ: dict[str, list[str]] = {}
    for edge in edges:
        succ.setdefault(edge.source, []).append(edge.target)
    return succ


def _reachable(starts: Iterable[str], succ: Mapping[str, list[str]]) -> set[str]:
    """Every node reachable from `starts`, the starts included."""
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(succ.get(node, []))
    return seen
