"""Reading and checking ``catalog.yaml``: every rule that turns a bad edit into a startup error.

``read_catalog`` parses the file (default: the packaged ``data/catalog.yaml``), checks every
key with ``_Reader`` and returns the records as ``CatalogParts``; ``Catalog.load`` builds the
served ``Catalog`` from them. Each failure is a ``CatalogError`` naming the file and the dotted
key. Kept apart from ``catalog.py`` so the lookups and wire shapes read without the checks.
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from ...errors import CatalogError
from .catalog_types import (
    API_VERSIONS,
    ModelSpec,
    NodeSpec,
    OptionSpec,
    PortSpec,
    PriceBand,
    Provider,
    Voice,
)

__all__ = ["CatalogParts", "read_catalog"]

JSON = dict[str, Any]
CATEGORIES = ("source", "operator", "validation", "output", "decision")
UNITS = ("characters", "bytes", "words")
# Lists an option may be filled from, instead of a literal `values:` list.
OPTION_SOURCES = ("locales", "providers", "models")
_TOP_LEVEL_KEYS = frozenset(
    {"locales", "locale_names", "anchors", "nodes", "providers", "voices", "retired_voices"})
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
        "placeable",
    }
)


class CatalogParts(NamedTuple):
    """The checked contents of a catalog file, in ``Catalog``'s constructor order."""

    nodes: tuple[NodeSpec, ...]
    locales: tuple[str, ...]
    locale_names: dict[str, str]
    providers: tuple[Provider, ...]
    voices: tuple[Voice, ...]
    retired_voices: tuple[Voice, ...] = ()


def read_catalog(path: Path | None = None) -> CatalogParts:
    """Read and check a catalog file (default: the packaged ``data/catalog.yaml``)."""
    try:
        source, text = (
            _default_catalog_text() if path is None else (str(path), path.read_text("utf-8"))
        )
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the catalog: {exc}") from exc
    try:
        raw = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # C: faster
    except yaml.YAMLError as exc:
        raise CatalogError(f"{source}: not valid YAML: {exc}") from exc
    return _read_catalog(_Reader(source), raw)


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
    beta, placeable = data.get("beta", False), data.get("placeable", True)
    for key, flag in (("beta", beta), ("placeable", placeable)):
        if not isinstance(flag, bool):
            raise r.error(f"{where}.{key}", "expected true or false")
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
        placeable=placeable,
    )


def _read_provider(r: _Reader, name: str, raw: object) -> Provider:
    where = f"providers.{name}"
    data = r.mapping(raw, where)
    models: list[ModelSpec] = []
    for i, item in enumerate(r.items(data.get("models"), f"{where}.models")):
        at = f"{where}.models[{i}]"
        model = r.mapping(item, at)
        pricing = _read_price(r, model["pricing"], f"{at}.pricing") if "pricing" in model else None
        controls = (r.mapping(model["config_schema"], f"{at}.config_schema")
                    if "config_schema" in model else None)
        models.append(ModelSpec(r.text(model, "model", at), r.text(model, "display_name", at),
                                pricing, controls))
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
        _check_voice(r, voice, f"voices[{i}]", locales, providers)
    unvoiced = [loc for loc in locales if not any(loc in v.locales for v in voices)]
    if unvoiced:
        raise r.error(
            "voices", f"no voice speaks {unvoiced}; the graph builder needs one per locale"
        )


def _check_voice(
    r: _Reader, voice: Voice, where: str, locales: tuple[str, ...],
    providers: dict[str, Provider],
) -> None:
    provider = providers.get(voice.provider)
    if provider is None:
        raise r.error(f"{where}.provider", f"unknown provider {voice.provider!r}")
    unknown_models = set(voice.models) - {m.model for m in provider.models}
    if unknown_models:
        raise r.error(
            f"{where}.models", f"not models of {voice.provider}: {sorted(unknown_models)}"
        )
    if not set(voice.locales) <= set(locales):
        raise r.error(
            f"{where}.locales",
            f"unknown locales {sorted(set(voice.locales) - set(locales))}",
        )


def _read_catalog(r: _Reader, raw: object) -> CatalogParts:
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
    retired = _read_retired_voices(r, data.get("retired_voices"), locales, providers)
    _unique(r, "voices[].id + retired_voices[].id", [v.id for v in voices + retired])
    return CatalogParts(nodes, locales, names, tuple(providers.values()), voices, retired)


def _read_retired_voices(
    r: _Reader, raw: object, locales: tuple[str, ...], providers: dict[str, Provider]
) -> tuple[Voice, ...]:
    """Voices no longer offered (optional key): checked like offered ones, but no locale
    needs one."""
    if raw is None:
        return ()
    retired = tuple(_read_voice(r, v, f"retired_voices[{i}]")
                    for i, v in enumerate(r.items(raw, "retired_voices")))
    for i, voice in enumerate(retired):
        _check_voice(r, voice, f"retired_voices[{i}]", locales, providers)
    return retired


def _default_catalog_text() -> tuple[str, str]:
    # Read through importlib.resources so an installed wheel finds its packaged data file.
    resource = resources.files("mockserver").joinpath("data", "catalog.yaml")
    return str(resource), resource.read_text(encoding="utf-8")

