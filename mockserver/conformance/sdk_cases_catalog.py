"""SDK cases: auth and the node catalog."""

from __future__ import annotations

from typing import Any

from .cases import Build, Call, Check, Kit, SdkCase, expect, no_args, table
from .scene import Scene

CORE_NODES = {"source_script", "operator_generator", "sink_preview"}


def _whoami(result: Any, call: Call, scene: Scene) -> None:
    data = result.data
    expect(data.auth_kind == "api_key", f"auth_kind {data.auth_kind!r}")
    expect(data.workspace_id == scene.workspace_id, f"workspace_id {data.workspace_id!r}")
    expect("workflows:read" in data.scopes, f"scopes {data.scopes!r}")
    expect(list(data.scopes) == sorted(set(data.scopes)), "scopes not sorted and unique")


def _list_nodes(result: Any, call: Call, scene: Scene) -> None:
    types = {node.node_type for node in result.data}
    expect(types >= CORE_NODES, f"catalog lacks {sorted(CORE_NODES - types)}")
    expect(all(isinstance(node.inputs, list) for node in result.data), "inputs not a list")
    expect(result.pagination is not None, "no pagination object")


def _detail(node_type: str, category: str) -> tuple[Build, Check]:
    def build(scene: Scene, kit: Kit) -> Call:
        return Call((node_type,), {"workspace_id": scene.workspace_id})

    def check(result: Any, call: Call, scene: Scene) -> None:
        data = result.data
        expect(data.node_type == node_type, f"node_type {data.node_type!r}")
        expect(data.category == category, f"category {data.category!r}")

    return build, check


_V1_BUILD, _V1_CHECK = _detail("operator_generator", "operator")
_V2_BUILD, _V2_CHECK = _detail("validator_naturalness", "validation")

CASES = table(
    SdkCase("auth.whoami", "GET /api/v1/auth/whoami", no_args, _whoami),
    SdkCase("nodes.list_nodes", "GET /api/v1/nodes", no_args, _list_nodes),
    # v1 node detail refuses API keys (workflows.md §4.2): called with a session JWT.
    SdkCase("nodes.get_node_detail", "GET /api/v1/nodes/{node_type}", _V1_BUILD, _V1_CHECK,
            credential="session"),
    SdkCase("nodes.get_node_detail_v2", "GET /api/v2/nodes/{node_type}", _V2_BUILD,
            _V2_CHECK),
)
