"""The node catalog: node types, ports, config schemas, locales, TTS providers, voices, prices.

Everything comes from ``mockserver/data/catalog.yaml``. ``Catalog.load`` has
``catalog_loader.py`` read and check that file (a bad edit is a startup error naming the file
and the key); this module serves the result: lookups for the rest of the world, and the API's
wire shapes (``NodePortsOut``, ``NodeDetailOut``). The records themselves are in
``catalog_types.py``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

from ...errors import UnknownNodeType
from .catalog_loader import read_catalog
from .catalog_types import API_VERSIONS, ModelSpec, NodeSpec, OptionSpec, Provider, Voice

__all__ = ["Catalog", "Direction"]

JSON = dict[str, Any]
Direction = Literal["inputs", "outputs"]


class Catalog:
    """The loaded catalog. Immutable after construction; the wire methods hand out fresh copies."""

    def __init__(
        self,
        nodes: tuple[NodeSpec, ...],
        locales: tuple[str, ...],
        locale_names: dict[str, str],
        providers: tuple[Provider, ...],
        voices: tuple[Voice, ...],
        retired_voices: tuple[Voice, ...] = (),
    ) -> None:
        self._nodes = {n.node_type: n for n in nodes}
        self._locales = locales
        self._locale_names = dict(locale_names)
        self._providers = providers
        self._voices = voices
        self._voices_by_provider_id = {v.provider_voice_id: v for v in voices}
        # No longer offered: never listed or accepted, only named by past runs' takes.
        self._retired_voices = retired_voices

    @classmethod
    def load(cls, path: Path | None = None) -> Catalog:
        """Read and check a catalog file (default: the packaged ``data/catalog.yaml``)."""
        return cls(*read_catalog(path))

    # -- lookups -------------------------------------------------------------------------

    def node_types(self) -> list[str]:
        return list(self._nodes)

    def placeable(self, node_type: str) -> bool:
        """Whether a workflow graph may hold this type (a known, non-preview node)."""
        spec = self._nodes.get(node_type)
        return spec is not None and spec.placeable

    def get(self, node_type: str) -> NodeSpec | None:
        return self._nodes.get(node_type)

    def category(self, node_type: str) -> str | None:
        spec = self._nodes.get(node_type)
        return spec.category if spec else None

    def port_names(self, node_type: str, direction: Direction) -> tuple[str, ...]:
        """Port names of one side of a node; empty for an unknown type (reported elsewhere)."""
        spec = self._nodes.get(node_type)
        if spec is None:
            return ()
        return tuple(p.name for p in (spec.inputs if direction == "inputs" else spec.outputs))

    def default_config(self, node_type: str) -> JSON:
        spec = self._nodes.get(node_type)
        schema = spec.config_schema if spec else {}
        return {
            key: copy.deepcopy(frag["default"]) for key, frag in schema.items() if "default" in frag
        }

    @property
    def locales(self) -> tuple[str, ...]:
        return self._locales

    def locale_name(self, locale: str) -> str:
        return self._locale_names.get(locale, locale)

    @property
    def providers(self) -> tuple[Provider, ...]:
        return self._providers

    def model(self, provider: str, model: str) -> ModelSpec | None:
        found = [
            m
            for p in self._providers
            if p.provider == provider
            for m in p.models
            if m.model == model
        ]
        return found[0] if found else None

    @property
    def voices(self) -> tuple[Voice, ...]:
        return self._voices

    def voices_for(self, locale: str) -> list[Voice]:
        return [v for v in self._voices if locale in v.locales]

    @property
    def retired_voices(self) -> tuple[Voice, ...]:
        return self._retired_voices

    def find_voice(self, provider_voice_id: str) -> Voice | None:
        """The voice a VoiceAssignment's `voice_id` (the provider's own id) names."""
        return self._voices_by_provider_id.get(provider_voice_id)

    # -- wire shapes ---------------------------------------------------------------------

    def ports_out(self, node_type: str) -> JSON:
        """NodePortsOut: the static part of a node, as listed by GET /nodes."""
        spec = self._require(node_type)
        out: JSON = {
            "node_type": spec.node_type,
            "display_name": spec.display_name,
            "description": spec.description,
            "version": spec.version,
            "beta": spec.beta,
            "inputs": [p.wire() for p in spec.inputs],
            "outputs": [p.wire() for p in spec.outputs],
            "config_schema": copy.deepcopy(spec.config_schema),
        }
        if spec.input_schema is not None:
            out["input_schema"] = copy.deepcopy(spec.input_schema)
        return out

    def detail_out(self, node_type: str, api_version: int) -> JSON:
        """NodeDetailOut of GET /api/v{1,2}/nodes/{node_type}: ports, category and options."""
        if api_version not in API_VERSIONS:
            raise ValueError(
                f"node detail exists for API versions {API_VERSIONS}, not {api_version}"
            )
        spec = self._require(node_type)
        out = self.ports_out(node_type)
        out["category"] = spec.category
        options = {
            o.name: self._option_wire(o) for o in spec.options if api_version in o.api_versions
        }
        if options:
            out["options"] = options
        return out

    def _require(self, node_type: str) -> NodeSpec:
        spec = self._nodes.get(node_type)
        if spec is None:
            raise UnknownNodeType(node_type)
        return spec

    def _option_wire(self, option: OptionSpec) -> JSON:
        if option.kind == "inline":
            return {"kind": "inline", "value": self._inline_value(option)}
        out: JSON = {"kind": "href", "target": option.target}
        if option.method is not None:
            out["method"] = option.method
        if option.properties:
            out["properties"] = {
                name: {"options": self._enum_options(src)} for name, src in option.properties
            }
        return out

    def _inline_value(self, option: OptionSpec) -> list[JSON] | JSON:
        if option.source == "providers":
            return self._provider_groups()
        if option.source is not None:
            return self._enum_options(option.source)
        return [dict(v) for v in option.values]

    def _provider_groups(self) -> JSON:
        return {
            p.provider: {
                "display_name": p.display_name,
                "models": [{"model": m.model, "display_name": m.display_name,
                            "config_schema": copy.deepcopy(m.config_schema)} for m in p.models],
            }
            for p in self._providers
        }

    def _enum_options(self, source: str) -> list[JSON]:
        if source == "locales":
            return [{"value": loc, "display_name": self.locale_name(loc)} for loc in self._locales]
        if source == "providers":
            return [{"value": p.provider, "display_name": p.display_name} for p in self._providers]
        return [
            {"value": m.model, "display_name": f"{p.display_name} {m.display_name}"}
            for p in self._providers
            for m in p.models
        ]
