"""Read the CLI's command tree from its registry, and its table of SDK methods."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

from .cli_cases import in_scope


def _walk(command: Any, path: tuple[str, ...]) -> list[tuple[str, ...]]:
    children = getattr(command, "commands", None)
    if not isinstance(children, dict):
        return [] if getattr(command, "hidden", False) else [path]
    return [p for name, child in children.items() for p in _walk(child, (*path, name))]


def command_tree() -> list[tuple[str, ...]]:
    """Every visible command path of the installed CLI (as ``onepin`` registers them)."""
    typer_main = importlib.import_module("typer.main")
    app = importlib.import_module("onepin._cli.main").app
    return sorted(_walk(typer_main.get_command(app), ()))


def in_scope_commands() -> list[tuple[str, ...]]:
    return [path for path in command_tree() if in_scope(path)]


def table_methods() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Table-driven commands (``_cli/_spec.py``): command path -> SDK method paths tried."""
    spec = importlib.import_module("onepin._cli._spec")
    return {tuple(row.path): tuple(row.method_paths) for row in spec.TABLE}


def cli_executable() -> Path:
    """The ``onepin`` console script of this interpreter's environment."""
    return Path(sys.executable).parent / "onepin"
