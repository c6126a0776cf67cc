"""The node catalog: ``GET /nodes`` (public) and node detail v1 / v2."""

from __future__ import annotations

from ..errors import NotFound
from .base import Handler, Reply, RequestContext


def list_nodes(ctx: RequestContext) -> Reply:
    catalog = ctx.world.catalog
    nodes = [catalog.ports_out(node_type) for node_type in catalog.node_types()]
    # Unpaged, but the envelope still carries plain pagination (conventions.md §4).
    return Reply(nodes, pagination={"next": None, "prev": None, "limit": max(1, len(nodes))})


def _detail(ctx: RequestContext, api_version: int) -> Reply:
    node_type = ctx.path["node_type"]
    if ctx.world.catalog.get(node_type) is None:
        raise NotFound(f"Unknown node type '{node_type}'")
    return Reply(ctx.world.catalog.detail_out(node_type, api_version))


def get_node_detail(ctx: RequestContext) -> Reply:
    return _detail(ctx, 1)


def get_node_detail_v2(ctx: RequestContext) -> Reply:
    return _detail(ctx, 2)


# operationId -> handler; handlers/__init__.py merges every module's table.
OPERATIONS: dict[str, Handler] = {
    "list_nodes": list_nodes,
    "get_node_detail": get_node_detail,
    "get_node_detail_v2": get_node_detail_v2,
}
