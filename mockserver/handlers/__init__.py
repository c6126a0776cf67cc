"""One module per resource; importing them registers their handlers."""

from __future__ import annotations

import importlib

MODULES = ("ops", "nodes", "voices", "workflows", "workflow_writes", "runs", "run_control",
           "admin")


def load_all() -> None:
    for name in MODULES:
        importlib.import_module(f"{__name__}.{name}")
