"""Checks on workflow definitions: what may be saved, and what may run.

Two levels, as the API has them. `structural_problems` is the save-time check (create, PUT and
PATCH answer 422 with these as details). `readiness_report` is POST /workflows/validate: the
structural rules plus every run-start rule; `run_start_problems` is the part of those that
refuses a run start. All functions accept arbitrary JSON and never raise: malformed parts are
reported by the checks and skipped by the lenient graph view (``graph_view.py``).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from jsonschema import Draft202012Validator

from .catalog import Catalog, Direction
from .graph_view import (
    GENERATOR,
    SINK,
    SOURCE,
    UNDETERMINED,
    GraphView,
    NodeView,
    graph_view,
    is_id,
    locales_by_node,
    reachable,
    successors,
    voice_assignments,
)

__all__ = [
    "Problem",
    "readiness_report",
    "run_start_problems",
    "structural_problems",
]

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
        if known is not None:
            _check_config(node, at, known, catalog, problems)
        if not is_id(node_id):
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
    spec = catalog.get(node_type) if isinstance(node_type, str) else None
    if spec is not None and spec.placeable:
        return node_type
    message = f"unknown node type {_short(node_type)}; GET /api/v1/nodes lists the valid ones"
    if spec is not None:
        message = (f"node type {_short(node_type)} is a catalog preview: it is listed by "
                   "GET /api/v1/nodes but cannot be placed in a workflow yet")
    owner = node_id if is_id(node_id) else None
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


# The API saves voice assignments it cannot voice and refuses them at run start; the voice
# rules below (validate, run start) judge them, so the save-time schema check skips them.
_JUDGED_BY_VOICE_RULES = frozenset({"voice_map"})
_CONFIG_VALIDATORS: WeakKeyDictionary[Catalog, dict[str, Draft202012Validator]] = (
    WeakKeyDictionary()
)


def _config_validator(catalog: Catalog, node_type: str) -> Draft202012Validator:
    """The node type's catalog config_schema as one object schema, compiled once."""
    compiled = _CONFIG_VALIDATORS.setdefault(catalog, {})
    if node_type not in compiled:
        spec = catalog.get(node_type)
        properties = {
            key: fragment
            for key, fragment in (spec.config_schema if spec else {}).items()
            if key not in _JUDGED_BY_VOICE_RULES
        }
        compiled[node_type] = Draft202012Validator({"type": "object", "properties": properties})
    return compiled[node_type]


def _check_config(
    node: dict[str, Any], at: str, node_type: str, catalog: Catalog, problems: list[Problem]
) -> None:
    """Known config keys must fit the catalog's schema (unknown keys are kept as sent).

    Bounded values keep run plans bounded: `max_retries` multiplies the takes a run plans.
    """
    config = node.get("config")
    if not isinstance(config, dict):
        return  # absent or null, or a wrong type reported by _check_node_keys
    owner = node.get("id") if is_id(node.get("id")) else None
    for error in _config_validator(catalog, node_type).iter_errors(config):
        field = f"{at}.config" + "".join(
            f"[{step}]" if isinstance(step, int) else f".{step}" for step in error.absolute_path
        )
        message = error.message.replace(repr(error.instance), _short(error.instance))
        problems.append(Problem(field, message, "invalid_config", owner))


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
        if not is_id(edge_id):
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
        reached = reachable([s.id for s in sources], successors(view.edges))
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
    received = locales_by_node(view, None)
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
    succ = successors(view.edges)
    reach = {n.id: reachable(succ.get(n.id, []), succ) for n in view.nodes}
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
    locales = set().union(*locales_by_node(view, None).values()) - {UNDETERMINED}
    return {
        "node_count": len(view.nodes),
        "edge_count": len(view.edges),
        "source_count": len(view.of_type(SOURCE)),
        "sink_count": len(view.of_type(SINK)),
        "locales": sorted(locales),
        "node_types": dict(Counter(n.type for n in view.nodes)),
    }
