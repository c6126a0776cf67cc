"""A text-only description of a workflow (``GET /workflows/{id}/markdown``)."""

from __future__ import annotations

from typing import Any

from ..catalog.catalog import Catalog
from ..catalog.graph_view import topological_waves
from ..runs.plan import output_locales, source_language_of
from ..state.records import WorkflowRecord


def _nodes(record: WorkflowRecord) -> dict[str, dict[str, Any]]:
    graph = record.definition.get("graph") or {}
    return {str(n.get("id")): n for n in graph.get("nodes") or [] if isinstance(n, dict)}


def _label(node: dict[str, Any], catalog: Catalog) -> str:
    spec = catalog.get(str(node.get("type")))
    return str(node.get("name") or (spec.display_name if spec else node.get("type")))


def _config_text(config: Any) -> str:
    if not isinstance(config, dict) or not config:
        return "-"
    parts = []
    for key, value in config.items():
        shown = value if isinstance(value, str | int | float | bool) else "…"
        text = str(shown).replace("\n", " ").replace("|", "/")
        parts.append(f"{key}={text[:40]}")
    return ", ".join(parts)


def render_markdown(record: WorkflowRecord, catalog: Catalog) -> str:
    nodes = _nodes(record)
    source = source_language_of(record.definition)
    locales = output_locales(record.definition, source) if nodes else []
    lines = [f"# {record.name}", ""]
    if record.description:
        lines += [record.description, ""]
    lines += [f"**Languages:** {', '.join(locales) or 'none'} · **Nodes:** {len(nodes)}", ""]
    if not nodes:
        return "\n".join([*lines, "_This workflow has no nodes yet._", ""])
    lines += ["## Pipeline", ""]
    for number, wave in enumerate(topological_waves(record.definition, catalog), start=1):
        names = " ‖ ".join(_label(nodes[n], catalog) for n in wave)
        lines.append(f"{number}. {names}")
    lines += ["", "## Nodes", "", "| id | type | name | config |", "|---|---|---|---|"]
    for node_id, node in nodes.items():
        lines.append(f"| {node_id} | {node.get('type')} | {_label(node, catalog)} | "
                     f"{_config_text(node.get('config'))} |")
    return "\n".join([*lines, ""])
