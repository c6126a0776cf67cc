"""YAML loading that remembers where each mapping and key came from.

Fixture errors must name the file, the line and the field; ``LocatedDict`` is a plain
dict (JSON-serialisable, deep-copyable) that also carries those line numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml


class LocatedDict(dict[str, Any]):
    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        lines: dict[str, int] = getattr(self, "key_lines", {})
        return lines.get(key, self.line)


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[LocatedDict]:
    data = LocatedDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    data.update({str(k): v for k, v in loader.construct_mapping(node).items()})
    for key_node, _value in node.value:
        data.key_lines[str(loader.construct_object(key_node))] = key_node.start_mark.line + 1


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def load_located(text: str) -> Any:
    """Parse YAML (or JSON) into plain values whose mappings know their line numbers."""
    return yaml.load(text, Loader=_LineLoader)


def line_of(container: Any, key: str | None = None) -> int | None:
    if isinstance(container, LocatedDict):
        return container.line_of(key) if key is not None else container.line
    return None
