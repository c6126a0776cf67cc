"""The catalog's records: node types with their ports, options and prices; providers; voices.

Plain frozen dataclasses with no behaviour beyond their own wire fragment. They live apart
from ``catalog.py`` so that both the loader (``catalog_loader.py``), which builds them from
``catalog.yaml``, and the ``Catalog`` class, which serves them, can import them without
importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "API_VERSIONS",
    "ModelSpec",
    "NodeSpec",
    "OptionSpec",
    "PortSpec",
    "PriceBand",
    "Provider",
    "Voice",
]

JSON = dict[str, Any]
API_VERSIONS = (1, 2)


@dataclass(frozen=True)
class PortSpec:
    name: str
    fields: tuple[str, ...] | None = None

    def wire(self) -> JSON:
        out: JSON = {"name": self.name}
        if self.fields is not None:
            out["fields"] = list(self.fields)
        return out


@dataclass(frozen=True)
class PriceBand:
    """Credits per 1000 units of `unit` (characters, bytes or words)."""

    unit: str
    min: float
    expected: float
    max: float


@dataclass(frozen=True)
class OptionSpec:
    """One entry of NodeDetailOut.options, before the lists it names are filled in."""

    name: str
    kind: str
    source: str | None = None
    values: tuple[JSON, ...] = ()
    target: str = ""
    method: str | None = None
    properties: tuple[tuple[str, str], ...] = ()
    api_versions: tuple[int, ...] = API_VERSIONS


@dataclass(frozen=True)
class NodeSpec:
    node_type: str
    display_name: str
    description: str
    version: int
    beta: bool
    category: str
    inputs: tuple[PortSpec, ...]
    outputs: tuple[PortSpec, ...]
    config_schema: JSON
    input_schema: JSON | None
    options: tuple[OptionSpec, ...]
    pricing: PriceBand | None
    # False for a node the catalog lists before the API's graph schema (NodeType) names it:
    # readable in GET /nodes and its detail, refused in a workflow graph.
    placeable: bool = True


@dataclass(frozen=True)
class ModelSpec:
    model: str
    display_name: str
    pricing: PriceBand | None = None
    config_schema: JSON | None = None  # model-specific controls, when the model has any


@dataclass(frozen=True)
class Provider:
    provider: str
    display_name: str
    models: tuple[ModelSpec, ...]


@dataclass(frozen=True)
class Voice:
    id: str
    provider_voice_id: str
    provider: str
    name: str
    gender: str | None
    locales: tuple[str, ...]
    models: tuple[str, ...]
