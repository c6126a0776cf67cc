"""The node catalog: node types, ports, config schemas, locales, TTS providers, voices, prices.

Everything comes from ``mockserver/data/catalog.yaml``; this module checks that file and
serves it in the API's wire shapes (``NodePortsOut``, ``NodeDetailOut``). It is read once at
startup, so every check here turns a bad edit into a startup error naming the file and the key.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

__all__ = [
    "Catalog",
    "CatalogError",
    "Direction",
    "ModelSpec",
    "NodeSpec",
    "OptionSpec",
    "PortSpec",
    "PriceBand",
    "Provider",
    "UnknownNodeType",
    "Voice",
]

JSON = dict[str, Any]
Direction = Literal["inputs", "outputs"]
API_VERSIONS = (1, 2)
CATEGORIES = ("source", "operator", "validation", "output", "decision")
UNITS = ("characters", "bytes", "words")
# Lists an option may be filled from, instead of a literal `values:` list.
OPTION_SOURCES = ("locales", "providers", "models")
_TOP_LEVEL_KEYS = frozenset({"locales", "locale_names", "anchors", "nodes", "providers", "voices"})
_NODE_KEYS = frozenset(
    {
        "node_type",
        "display_name",
        "description",
        "version",
        "beta",
        "category",
        "inputs",
        "outputs",
        "config_schema",
        "input_schema",
        "options",
        "pricing",
    }
)


class CatalogError(ValueError):
    """The catalog file is missing or malformed; the message names the file and the key."""


class UnknownNodeType(KeyError):
    """A wire shape was asked for a node type the catalog does not know (the server's 404)."""


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


@dataclass(frozen=True)
class ModelSpec:
    model: str
    display_name: str
    pricing: PriceBand | None = None


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


class _Reader:
    """Typed access to parsed YAML that fails with the file name and the dotted key."""

    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, where: str, problem: str) -> CatalogError:
        return CatalogError(f"{self.source}: {where}: {problem}")

    def mapping(self, value: object, where: str) -> JSON:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise self.error(where, "expected a mapping with string keys")
        return value

    def items(self, value: object, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.error(where, "expected a list")
        return value

    def text(self, data: JSON, key: str, where: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"{where}.{key}", "expected a non-empty string")
        return value

    def known_keys(self, data: JSON, allowed: frozenset[str], where: str) -> None:
        # A misspelt key would otherwise be dropped silently, e.g. a node losing its schema.
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise self.error(where, f"unknown keys {unknown}; expected some of {sorted(allowed)}")

    def texts(self, data: JSON, key: str, where: str) -> tuple[str, ...]:
        values = self.items(data.get(key), f"{where}.{key}")
        if not all(isinstance(v, str) and v for v in values):
            raise self.error(f"{where}.{key}", "expected a list of non-empty strings")
        return tuple(values)

    def number(self, data: JSON, key: str, where: str) -> float:
        value = data.get(key)
        # bool is an int subclass; `true` is never a price.
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.error(f"{where}.{key}", "expected a finite number")
        return float(value)

    def integer(self, data: JSON, key: str, where: str) -> int:
        value = data.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(f"{where}.{key}", "expected an integer")
        return value

    def choice(self, data: JSON, key: str, where: str, allowed: tuple[str, ...]) -> str:
        value = self.text(data, key, where)
        if value not in allowed:
            raise self.error(f"{where}.{key}", f"{value!r} is not one of {', '.join(allowed)}")
        return value


def _read_price(r: _Reader, raw: object, where: str) -> PriceBand:
    data = r.mapping(raw, where)
    rates = r.mapping(data.get("credits_per_1000"), f"{where}.credits_per_1000")
    band = PriceBand(
        unit=r.choice(data, "unit", where, UNITS),
        min=r.number(rates, "min", f"{where}.credits_per_1000"),
        expected=r.number(rates, "expected", f"{where}.credits_per_1000"),
        max=r.number(rates, "max", f"{where}.credits_per_1000"),
    )
    if not 0 <= band.min <= band.expected <= band.max:
        raise r.error(f"{where}.credits_per_1000", "expected 0 <= min <= expected <= max")
    return band


def _read_ports(r: _Reader, data: JSON, key: str, where: str) -> tuple[PortSpec, ...]:
    ports: list[PortSpec] = []
    for i, raw in enumerate(r.items(data.get(key), f"{where}.{key}")):
        at = f"{where}.{key}[{i}]"
        port = r.mapping(raw, at)
        fields = r.texts(port, "fields", at) if "fields" in port else None
        ports.append(PortSpec(name=r.text(port, "name", at), fields=fields))
    if len({p.name for p in ports}) != len(ports):
        raise r.error(f"{where}.{key}", "port names must be unique")
    return tuple(ports)


def _read_values(r: _Reader, raw: object, where: str) -> tuple[JSON, ...]:
    values = tuple(r.mapping(v, f"{where}[{i}]") for i, v in enumerate(r.items(raw, where)))
    for i, entry in enumerate(values):
        r.text(entry, "display_name", f"{where}[{i}]")
        value = entry.get("value")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise r.error(f"{where}[{i}].value", "expected a string or a number")
    return values


def _read_option(r: _Reader, raw: object, where: str) -> OptionSpec:
    data = r.mapping(raw, where)
    kind = r.choice(data, "kind", where, ("inline", "href"))
    versions = tuple(r.items(data.get("api_versions", list(API_VERSIONS)), f"{where}.api_versions"))
    if not versions or not set(versions) <= set(API_VERSIONS):
        raise r.error(
            f"{where}.api_versions", f"expected a non-empty subset of {list(API_VERSIONS)}"
        )
    properties = r.mapping(data.get("properties", {}), f"{where}.properties")
    for name in properties:
        r.choice(properties, name, f"{where}.properties", OPTION_SOURCES)
    has_source = "source" in data
    if kind == "inline" and has_source == ("values" in data):
        raise r.error(where, "an inline option needs exactly one of `source` and `values`")
    return OptionSpec(
        name=r.text(data, "name", where),
        kind=kind,
        source=r.choice(data, "source", where, OPTION_SOURCES) if has_source else None,
        values=_read_values(r, data["values"], f"{where}.values") if "values" in data else (),
        target=r.text(data, "target", where) if kind == "href" else "",
        method=r.text(data, "method", where) if "method" in data else None,
        properties=tuple(sorted(properties.items())),
        api_versions=versions,
    )


def _read_node(r: _Reader, raw: object, where: str) -> NodeSpec:
    data = r.mapping(raw, where)
    r.known_keys(data, _NODE_KEYS, where)
    beta = data.get("beta", False)
    if not isinstance(beta, bool):
        raise r.error(f"{where}.beta", "expected true or false")
    config_schema = r.mapping(data.get("config_schema", {}), f"{where}.config_schema")
    for key, fragment in config_schema.items():
        r.mapping(fragment, f"{where}.config_schema.{key}")
    input_schema = data.get("input_schema")
    return NodeSpec(
        node_type=r.text(data, "node_type", where),
        display_name=r.text(data, "display_name", where),
        description=r.text(data, "description", where),
        version=r.integer(data, "version", where),
        beta=beta,
        category=r.choice(data, "category", where, CATEGORIES),
        inputs=_read_ports(r, data, "inputs", where),
        outputs=_read_ports(r, data, "outputs", where),
        config_schema=config_schema,
        input_schema=None
        if input_schema is None
        else r.mapping(input_schema, f"{where}.input_schema"),
        options=tuple(
            _read_option(r, o, f"{where}.options[{i}]")
            for i, o in enumerate(r.items(data.get("options", []), f"{where}.options"))
        ),
        pricing=_read_price(r, data["pricing"], f"{where}.pricing") if "pricing" in data else None,
    )


def _read_provider(r: _Reader, name: str, raw: object) -> Provider:
    where = f"providers.{name}"
    data = r.mapping(raw, where)
    models: list[ModelSpec] = []
    for i, item in enumerate(r.items(data.get("models"), f"{where}.models")):
        at = f"{where}.models[{i}]"
        model = r.mapping(item, at)
        pricing = _read_price(r, model["pricing"], f"{at}.pricing") if "pricing" in model else None
        models.append(
            ModelSpec(r.text(model, "model", at), r.text(model, "display_name", at), pricing)
        )
    if not models:
        raise r.error(f"{where}.models", "a provider needs at least one model")
    return Provider(
        provider=name, display_name=r.text(data, "display_name", where), models=tuple(models)
    )


def _read_voice(r: _Reader, raw: object, where: str) -> Voice:
    data = r.mapping(raw, where)
    gender = data.get("gender")
    return Voice(
        id=r.text(data, "id", where),
        provider_voice_id=r.text(data, "provider_voice_id", where),
        provider=r.text(data, "provider", where),
        name=r.text(data, "name", where),
        gender=gender if isinstance(gender, str) else None,
        locales=r.texts(data, "locales", where),
        models=r.texts(data, "models", where),
    )


def _unique(r: _Reader, where: str, keys: list[str]) -> None:
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise r.error(where, f"duplicate entries {duplicates}")


def _check_voices(
    r: _Reader, voices: tuple[Voice, ...], locales: tuple[str, ...], providers: dict[str, Provider]
) -> None:
    """Every voice must point at known providers, models and locales; every locale needs a voice."""
    _unique(r, "voices[].id", [v.id for v in voices])
    _unique(r, "voices[].provider_voice_id", [v.provider_voice_id for v in voices])
    for i, voice in enumerate(voices):
        provider = providers.get(voice.provider)
        if provider is None:
            raise r.error(f"voices[{i}].provider", f"unknown provider {voice.provider!r}")
        unknown_models = set(voice.models) - {m.model for m in provider.models}
        if unknown_models:
            raise r.error(
                f"voices[{i}].models", f"not models of {voice.provider}: {sorted(unknown_models)}"
            )
        if not set(voice.locales) <= set(locales):
            raise r.error(
                f"voices[{i}].locales",
                f"unknown locales {sorted(set(voice.locales) - set(locales))}",
            )
    unvoiced = [loc for loc in locales if not any(loc in v.locales for v in voices)]
    if unvoiced:
        raise r.error(
            "voices", f"no voice speaks {unvoiced}; the graph builder needs one per locale"
        )


def _read_catalog(r: _Reader, raw: object) -> Catalog:
    data = r.mapping(raw, "(top level)")
    r.known_keys(data, _TOP_LEVEL_KEYS, "(top level)")
    locales = r.texts(data, "locales", "(top level)")
    _unique(r, "locales", list(locales))
    names = r.mapping(data.get("locale_names"), "locale_names")
    if set(names) != set(locales) or not all(isinstance(v, str) for v in names.values()):
        raise r.error("locale_names", "expected one display name (a string) per entry of `locales`")
    nodes = tuple(
        _read_node(r, n, f"nodes[{i}]") for i, n in enumerate(r.items(data.get("nodes"), "nodes"))
    )
    _unique(r, "nodes[].node_type", [n.node_type for n in nodes])
    providers = {
        name: _read_provider(r, name, p)
        for name, p in r.mapping(data.get("providers"), "providers").items()
    }
    voices = tuple(
        _read_voice(r, v, f"voices[{i}]")
        for i, v in enumerate(r.items(data.get("voices"), "voices"))
    )
    _check_voices(r, voices, locales, providers)
    return Catalog(nodes, locales, names, tuple(providers.values()), voices)


def _default_catalog_text() -> tuple[str, str]:
    # Read through importlib.resources so an installed wheel finds its packaged data file.
    resource = resources.files("mockserver").joinpath("data", "catalog.yaml")
    return str(resource), resource.read_text(encoding="utf-8")


class Catalog:
    """The loaded catalog. Immutable after construction; the wire methods hand out fresh copies."""

    def __init__(
        self,
        nodes: tuple[NodeSpec, ...],
        locales: tuple[str, ...],
        locale_names: dict[str, str],
        providers: tuple[Provider, ...],
        voices: tuple[Voice, ...],
    ) -> None:
        self._nodes = {n.node_type: n for n in nodes}
        self._locales = locales
        self._locale_names = dict(locale_names)
        self._providers = providers
        self._voices = voices
        self._voices_by_provider_id = {v.provider_voice_id: v for v in voices}

    @classmethod
    def load(cls, path: Path | None = None) -> Catalog:
        """Read and check a catalog file (default: the packaged ``data/catalog.yaml``)."""
        try:
            source, text = (
                _default_catalog_text() if path is None else (str(path), path.read_text("utf-8"))
            )
        except OSError as exc:
            raise CatalogError(f"{path}: cannot read the catalog: {exc}") from exc
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise CatalogError(f"{source}: not valid YAML: {exc}") from exc
        return _read_catalog(_Reader(source), raw)

    # -- lookups -------------------------------------------------------------------------

    def node_types(self) -> list[str]:
        return list(self._nodes)

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
                "models": [{"model": m.model, "display_name": m.display_name} for m in p.models],
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
