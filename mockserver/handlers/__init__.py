"""One module per resource, each exposing ``OPERATIONS`` (operationId -> handler).

Registration is explicit: ``operations()`` merges the tables listed in ``TABLES``; an
operationId claimed by two modules is a ``StartupError`` naming both. Handlers import
``handlers.base``, ``errors``, ``envelope`` and ``world``; never Flask or the raw spec.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import StartupError
from . import (
    account,
    admin,
    billing,
    dictionary,
    members,
    nodes,
    ops,
    providers,
    run_control,
    runs,
    templates,
    uploads,
    usage,
    voices,
    workflow_writes,
    workflows,
    workspaces,
)
from .base import Handler

__all__ = ["TABLES", "merge_tables", "operations"]

TABLES: dict[str, Mapping[str, Handler]] = {
    module.__name__: module.OPERATIONS
    for module in (ops, nodes, voices, providers, uploads, workflows, workflow_writes, runs,
                   run_control, account, billing, usage, workspaces, members, templates,
                   dictionary, admin)
}


def merge_tables(tables: Mapping[str, Mapping[str, Handler]]) -> dict[str, Handler]:
    """One operationId -> handler map from per-module tables; a clash stops startup."""
    merged: dict[str, Handler] = {}
    owner: dict[str, str] = {}
    for module_name, table in tables.items():
        for operation_id, handler in table.items():
            if operation_id in merged:
                raise StartupError(f"two handlers for operation {operation_id}: "
                                   f"{owner[operation_id]} and {module_name}")
            merged[operation_id], owner[operation_id] = handler, module_name
    return merged


def operations() -> dict[str, Handler]:
    """Every handler of the mock, by operationId."""
    return merge_tables(TABLES)
