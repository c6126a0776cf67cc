"""Read the CLI's command tree from its registry, and its table of SDK methods."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

from .cli_cases import in_scope

Commands = dict[tuple[str, ...], frozenset[str]]  # command path -> its option flags


def _flags(command: Any) -> frozenset[str]:
    params = getattr(command, "params", None) or []
    return frozenset(flag for p in params for flag in
                     [*getattr(p, "opts", []), *getattr(p, "secondary_opts", [])])


def _walk(command: Any, path: tuple[str, ...]) -> Commands:
    children = getattr(command, "commands", None)
    if not isinstance(children, dict):
        return {} if getattr(command, "hidden", False) else {path: _flags(command)}
    found: Commands = {}
    for name, child in children.items():
        found.update(_walk(child, (*path, name)))
    return found


def command_tree() -> Commands:
    """Every visible command of the installed CLI (as ``onepin`` registers them)."""
    typer_main = importlib.import_module("typer.main")
    app = importlib.import_module("onepin._cli.main").app
    return dict(sorted(_walk(typer_main.get_command(app), ()).items()))


def in_scope_commands() -> Commands:
    return {path: flags for path, flags in command_tree().items() if in_scope(path)}


def table_methods() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Table-driven commands (``_cli/_spec.py``): command path -> SDK method paths tried."""
    spec = importlib.import_module("onepin._cli._spec")
    return {tuple(row.path): tuple(row.method_paths) for row in spec.TABLE}


def cli_executable() -> Path:
    """The ``onepin`` console script of this interpreter's environment."""
    return Path(sys.executable).parent / "onepin"
