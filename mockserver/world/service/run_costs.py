"""What a run would cost, with its run-scoped overrides applied (estimate, preview, start)."""

from __future__ import annotations

import copy
from typing import Any

from ...errors import Detail, NoScriptText, ValidationFailed
from ...validation_messages import value_error
from ..catalog.catalog import Catalog
from ..catalog.graph_view import SOURCE
from ..runs import pricing
from ..state.store import WorkspaceState


def with_uploaded_script(definition: dict[str, Any], state: WorkspaceState) -> dict[str, Any]:
    """The definition a run reads: a source node naming a confirmed script upload of the
    workspace (``config.upload_id``) speaks that file's lines. Unchanged otherwise (an id
    naming nothing, a pending or a dictionary upload); a copy when changed."""
    nodes = (definition.get("graph") or {}).get("nodes") or []
    for index, node in enumerate(nodes):
        if not isinstance(node, dict) or node.get("type") != SOURCE:
            continue
        config = node.get("config")
        if not isinstance(config, dict) or not isinstance(config.get("upload_id"), str):
            continue
        upload = state.uploads.confirmed(config["upload_id"].lower(), "script")
        if upload is not None and upload.lines:
            patched = copy.deepcopy(definition)
            patched["graph"]["nodes"][index]["config"]["text"] = "\n".join(upload.lines)
            return patched
    return definition


def priced_definition(definition: dict[str, Any], overrides: dict[str, Any]
                      ) -> tuple[dict[str, Any], str | None]:
    """Apply run-scoped overrides (script_text, source_language) to a copy of a definition."""
    script, language = overrides.get("script_text"), overrides.get("source_language")
    if script is None and language is None:
        return definition, None
    graph = definition.get("graph") or {}  # a saved `"graph": null` has no nodes
    sources = [n for n in graph.get("nodes") or []
               if isinstance(n, dict) and n.get("type") == SOURCE]
    if len(sources) != 1:
        raise ValidationFailed("Run overrides need exactly one source_script node",
                               [Detail("script_text", value_error(
                                   "the graph must have exactly one source_script node, "
                                   f"found {len(sources)}"))])
    patched = copy.deepcopy(definition)
    for node in patched["graph"]["nodes"]:
        if isinstance(node, dict) and node.get("type") == SOURCE:
            config = node.setdefault("config", {}) or {}
            node["config"] = config
            if script is not None:
                config["text"] = script
            if language is not None:
                config["source_language"] = language
    return patched, script


def estimate_or_422(catalog: Catalog, definition: dict[str, Any], script: str | None,
                    balance: int, purpose: str, overage_rate: float | None = None
                    ) -> dict[str, Any]:
    """The credit estimate; a workflow with no script text at all is a 422 on script_text."""
    try:
        return pricing.estimate(definition, catalog, script_text=script, balance=balance,
                                overage_rate_cents_per_credit=overage_rate)
    except NoScriptText as exc:
        raise ValidationFailed(f"There is no script text to {purpose}",
                               [Detail("script_text", value_error(
                                   "the workflow script is empty; save a script or pass "
                                   "script_text"))]) from exc
