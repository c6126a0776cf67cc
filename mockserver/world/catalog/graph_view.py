"""A lenient view of a workflow definition, and the graph questions planners and pricing ask.

``graph_view`` keeps the usable parts of arbitrary JSON (nodes with an id and a type, edges
between known nodes) and never raises; malformed parts are skipped here and reported by the
rules in ``graph_rules.py``. On top of that view: source and sink nodes, the locales each node
receives, translator targets, voice assignments and execution waves. Kept apart from the rules
because the run planner, pricing and run views need the graph without the checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeGuard

from .catalog import Catalog

__all__ = [
    "FAIL_PORT",
    "GENERATOR",
    "SINK",
    "SOURCE",
    "TRANSLATOR",
    "UNDETERMINED",
    "EdgeView",
    "GraphView",
    "NodeView",
    "graph_view",
    "node_locales",
    "sink_nodes",
    "source_nodes",
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
        or not is_id(raw.get("id"))
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


def is_id(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def voice_assignments(value: object) -> list[dict[str, Any]]:
    """The VoiceAssignment objects of one voice_map entry, ignoring malformed parts."""
    return [a for a in value if isinstance(a, dict)] if isinstance(value, list) else []



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
    found = locales_by_node(graph_view(definition), source_language)
    return {node_id: frozenset(locales) for node_id, locales in found.items()}


def locales_by_node(view: GraphView, source_language: str | None) -> dict[str, set[str]]:
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

    plain = successors(e for e in view.edges if not is_fail(e))
    return [e for e in view.edges if not (is_fail(e) and e.source in reachable([e.target], plain))]


def successors(edges: Iterable[EdgeView]) -> dict[str, list[str]]:
    succ: dict[str, list[str]] = {}
    for edge in edges:
        succ.setdefault(edge.source, []).append(edge.target)
    return succ


def reachable(starts: Iterable[str], succ: Mapping[str, list[str]]) -> set[str]:
    """Every node reachable from `starts`, the starts included."""
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(succ.get(node, []))
    return seen
