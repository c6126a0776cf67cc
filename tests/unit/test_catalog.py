"""The node catalog: its data, its checks at load time, and its wire shapes."""

from __future__ import annotations

import typing
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from onepin.types import NodeCategory, NodeDetailOut, NodePortsOut, NodeType

from mockserver.errors import CatalogError, UnknownNodeType
from mockserver.world.catalog.catalog import Catalog

CATALOG = Catalog.load()
NODE_TYPES = CATALOG.node_types()
PACKAGED = Path(__file__).resolve().parents[2] / "mockserver" / "data" / "catalog.yaml"
NEW_IN_0_16_1 = {
    "operator_phoneme_injector",
    "validator_pronunciation",
    "operator_pronunciation_corrector",
}
CATEGORY_BY_PREFIX = {
    "source": "source",
    "operator": "operator",
    "validator": "validation",
    "sink": "output",
    "decision": "decision",
}
# Listed before NodeType names them: readable in the catalog, refused in a graph.
PREVIEWS = {"decision_score_router"}
VALIDATORS = [t for t in NODE_TYPES if t.startswith("validator_")]


def sdk_node_types() -> set[str]:
    literal = typing.get_args(NodeType)[0]
    return set(typing.get_args(literal))


# -- data -------------------------------------------------------------------------------


def test_catalog_holds_the_sdk_node_types_and_only_unplaceable_previews_besides() -> None:
    """Every NodeType slug of SDK 0.16.1 is a placeable node; anything else is a preview."""
    placeable = {t for t in NODE_TYPES if CATALOG.get(t).placeable}  # type: ignore[union-attr]
    assert placeable == sdk_node_types()
    assert len(placeable) == 11
    assert set(NODE_TYPES) - placeable == PREVIEWS


def test_every_node_category_of_the_api_is_in_the_catalog() -> None:
    """A client meets each NodeCategory value, `decision` through the preview node."""
    categories = {CATALOG.category(t) for t in NODE_TYPES}
    assert categories == set(typing.get_args(typing.get_args(NodeCategory)[0]))
    assert {t for t in NODE_TYPES if CATALOG.category(t) == "decision"} == PREVIEWS


def test_only_the_0_16_1_additions_and_previews_are_beta() -> None:
    """The three node types added in 0.16.1 and the previews carry the beta badge."""
    beta = {t for t in NODE_TYPES if CATALOG.ports_out(t)["beta"]}
    assert beta == NEW_IN_0_16_1 | PREVIEWS


@pytest.mark.parametrize("node_type", NODE_TYPES)
def test_category_follows_the_slug_prefix(node_type: str) -> None:
    """source_* is a source, operator_* an operator, validator_* validation, sink_* output."""
    assert CATALOG.category(node_type) == CATEGORY_BY_PREFIX[node_type.split("_")[0]]


@pytest.mark.parametrize(
    ("prefix", "inputs", "outputs"),
    [
        ("source_", (), ("lines",)),
        ("operator_", ("lines",), ("lines",)),
        ("validator_", ("lines",), ("pass", "fail")),
        ("sink_", ("lines",), ()),
    ],
)
def test_ports_by_kind_of_node(
    prefix: str, inputs: tuple[str, ...], outputs: tuple[str, ...]
) -> None:
    """Ports are named as the API's edges use them: lines in, lines or pass/fail out."""
    for node_type in (t for t in NODE_TYPES if t.startswith(prefix)):
        assert CATALOG.port_names(node_type, "inputs") == inputs
        assert CATALOG.port_names(node_type, "outputs") == outputs


@pytest.mark.parametrize("node_type", VALIDATORS)
def test_validator_config_schema_has_threshold_and_retries(node_type: str) -> None:
    """Validators expose a ranged threshold with a default and max_retries 0..5 defaulting to 2."""
    schema = CATALOG.ports_out(node_type)["config_schema"]
    threshold = schema["threshold"]
    assert threshold["type"] == "number"
    assert threshold["minimum"] <= threshold["default"] <= threshold["maximum"]
    assert schema["max_retries"] == {"type": "integer", "minimum": 0, "maximum": 5, "default": 2}


def test_validator_thresholds_differ_but_mostly_default_to_85() -> None:
    """Thresholds default to 85 for most validators, but not all defaults or ranges agree."""
    defaults = [CATALOG.default_config(t)["threshold"] for t in VALIDATORS]
    ranges = {CATALOG.ports_out(t)["config_schema"]["threshold"]["minimum"] for t in VALIDATORS}
    assert defaults.count(85) >= 2
    assert len(set(defaults)) > 1
    assert len(ranges) > 1


@pytest.mark.parametrize("node_type", NODE_TYPES)
def test_config_schema_is_a_bare_map_of_fragments(node_type: str) -> None:
    """config_schema maps config keys straight to JSON-schema fragments (no `properties`)."""
    schema = CATALOG.ports_out(node_type)["config_schema"]
    assert schema, "every node has at least one config key"
    assert "properties" not in schema
    assert all(isinstance(fragment, dict) and fragment for fragment in schema.values())


@pytest.mark.parametrize(
    ("node_type", "expected"),
    [
        ("sink_preview", {"format": "wav"}),
        ("validator_error_rate", {"threshold": 85, "max_retries": 2}),
        ("operator_generator", {"voice_map": {}, "speed": 1.0}),
    ],
)
def test_default_config_collects_schema_defaults(node_type: str, expected: dict[str, Any]) -> None:
    """default_config() holds every key whose schema fragment declares a default."""
    assert CATALOG.default_config(node_type) == expected


def test_generator_input_schema_enumerates_the_catalog_locales() -> None:
    """The generator's input_schema carries the locale enum it accepts."""
    schema = CATALOG.ports_out("operator_generator")["input_schema"]
    assert schema["locale"]["enum"] == list(CATALOG.locales)


def test_locales_are_lowercase_bcp47_with_names() -> None:
    """Locales look like `en-us` and each has a readable display name."""
    assert 10 <= len(CATALOG.locales) <= 14
    for locale in CATALOG.locales:
        language, region = locale.split("-")
        assert locale == locale.lower() and len(language) == 2 and len(region) == 2
        assert CATALOG.locale_name(locale) != locale


def test_providers_have_two_to_four_models() -> None:
    """The TTS catalog has 4-5 providers, each with 2-4 models."""
    assert 4 <= len(CATALOG.providers) <= 5
    assert all(2 <= len(p.models) <= 4 for p in CATALOG.providers)


def test_voices_are_consistent_with_providers_and_locales() -> None:
    """Every voice has a UUID id and names models of its own provider and catalog locales."""
    assert 25 <= len(CATALOG.voices) <= 35
    for voice in CATALOG.voices:
        uuid.UUID(voice.id)
        model_ids = {
            m.model for p in CATALOG.providers if p.provider == voice.provider for m in p.models
        }
        assert set(voice.models) <= model_ids
        assert set(voice.locales) <= set(CATALOG.locales)
        assert CATALOG.find_voice(voice.provider_voice_id) == voice


def test_retired_voices_are_never_offered() -> None:
    """A retired voice is known (for past takes) but not offered, found or assignable."""
    assert CATALOG.retired_voices
    offered = {v.id for v in CATALOG.voices}
    for voice in CATALOG.retired_voices:
        assert voice.id not in offered and CATALOG.find_voice(voice.provider_voice_id) is None
        assert all(voice not in CATALOG.voices_for(locale) for locale in voice.locales)


@pytest.mark.parametrize("locale", CATALOG.locales)
def test_every_locale_has_at_least_two_voices(locale: str) -> None:
    """Each locale offers two voices, so a generated graph can assign one or two."""
    assert len(CATALOG.voices_for(locale)) >= 2
    assert all(locale in v.locales for v in CATALOG.voices_for(locale))


def test_unknown_node_type_lookups() -> None:
    """Lookups of an unknown type answer None or empty; wire shapes raise UnknownNodeType."""
    assert CATALOG.get("operator_teleporter") is None
    assert CATALOG.category("operator_teleporter") is None
    assert CATALOG.port_names("operator_teleporter", "inputs") == ()
    assert CATALOG.default_config("operator_teleporter") == {}
    with pytest.raises(UnknownNodeType):
        CATALOG.ports_out("operator_teleporter")
    with pytest.raises(UnknownNodeType):
        CATALOG.detail_out("operator_teleporter", 2)


def test_detail_exists_only_for_api_versions_1_and_2() -> None:
    """detail_out refuses an API version other than 1 or 2."""
    with pytest.raises(ValueError, match="API versions"):
        CATALOG.detail_out("sink_preview", 3)


# -- wire shapes --------------------------------------------------------------------------


@pytest.mark.parametrize("node_type", NODE_TYPES)
def test_ports_out_parses_as_sdk_node_ports_out(node_type: str) -> None:
    """ports_out() is a NodePortsOut the SDK parses, with the catalog's ports."""
    parsed = NodePortsOut.model_validate(CATALOG.ports_out(node_type))
    assert parsed.node_type == node_type
    assert [p.name for p in parsed.outputs] == list(CATALOG.port_names(node_type, "outputs"))


@pytest.mark.parametrize("api_version", [1, 2])
@pytest.mark.parametrize("node_type", NODE_TYPES)
def test_detail_out_parses_as_sdk_node_detail_out(node_type: str, api_version: int) -> None:
    """detail_out() is a NodeDetailOut with category and options the SDK parses."""
    parsed = NodeDetailOut.model_validate(CATALOG.detail_out(node_type, api_version))
    assert parsed.category == CATALOG.category(node_type)
    assert parsed.options, "every node offers at least one option"


def test_v1_generator_detail_inlines_the_model_catalog() -> None:
    """v1 inlines providers and their models under options.models_by_provider."""
    options = CATALOG.detail_out("operator_generator", 1)["options"]
    assert "providers" not in options
    inline = options["models_by_provider"]
    assert inline["kind"] == "inline"
    assert set(inline["value"]) == {p.provider for p in CATALOG.providers}
    for provider in CATALOG.providers:
        group = inline["value"][provider.provider]
        assert group["display_name"] == provider.display_name
        assert [m["model"] for m in group["models"]] == [m.model for m in provider.models]


def test_v2_generator_detail_links_to_the_providers_catalog() -> None:
    """v2 replaces the inline model tree with a GET href to /api/v1/providers."""
    options = CATALOG.detail_out("operator_generator", 2)["options"]
    assert "models_by_provider" not in options
    assert options["providers"] == {"kind": "href", "target": "/api/v1/providers", "method": "GET"}


@pytest.mark.parametrize("api_version", [1, 2])
def test_generator_voices_href_lists_valid_filters(api_version: int) -> None:
    """The voices href enumerates the valid languages, providers and models."""
    voices = CATALOG.detail_out("operator_generator", api_version)["options"]["voices"]
    assert (voices["kind"], voices["target"], voices["method"]) == ("href", "/api/v1/voices", "GET")
    values = {
        name: [o["value"] for o in prop["options"]] for name, prop in voices["properties"].items()
    }
    assert values["language"] == list(CATALOG.locales)
    assert values["provider"] == [p.provider for p in CATALOG.providers]
    assert values["model"] == [m.model for p in CATALOG.providers for m in p.models]


def test_wire_shapes_are_fresh_copies() -> None:
    """Mutating a returned wire shape never changes what the catalog serves next."""
    first = CATALOG.detail_out("validator_noise", 1)
    first["config_schema"]["max_retries"]["default"] = 99
    first["options"]["threshold"]["value"].clear()
    again = CATALOG.detail_out("validator_noise", 1)
    assert again["config_schema"]["max_retries"]["default"] == 2
    assert again["options"]["threshold"]["value"]


# -- loading ------------------------------------------------------------------------------


def test_load_from_an_explicit_path_matches_the_packaged_default() -> None:
    """Catalog.load(path) of the packaged file gives the same catalog as Catalog.load()."""
    explicit = Catalog.load(PACKAGED)
    assert explicit.node_types() == NODE_TYPES
    assert explicit.detail_out("operator_generator", 1) == CATALOG.detail_out(
        "operator_generator", 1
    )


def _raw() -> dict[str, Any]:
    return typing.cast(dict[str, Any], yaml.safe_load(PACKAGED.read_text("utf-8")))


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(raw: dict[str, Any]) -> None:
        target = raw
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _drop(path: list[Any]) -> Callable[[dict[str, Any]], None]:
    def mutate(raw: dict[str, Any]) -> None:
        target = raw
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (_drop(["nodes", 0, "display_name"]), "nodes[0].display_name"),
        (_set(["nodes", 1, "category"], "processing"), "nodes[1].category"),
        (_set(["nodes", 2, "version"], "two"), "nodes[2].version"),
        (_set(["nodes", 0, "outputs", 0], {"fields": ["text"]}), "nodes[0].outputs[0].name"),
        (_set(["nodes", 0, "options", 0, "kind"], "magic"), "nodes[0].options[0].kind"),
        (
            _set(["nodes", 1, "pricing", "credits_per_1000", "min"], 99),
            "nodes[1].pricing.credits_per_1000",
        ),
        (_set(["nodes", 1, "pricing", "unit"], "seconds"), "nodes[1].pricing.unit"),
        (_set(["voices", 0, "provider"], "nobody"), "voices[0].provider"),
        (_set(["voices", 0, "models"], ["ghost-model"]), "voices[0].models"),
        (_set(["voices", 1, "id"], "0cbf31f3-5c50-5289-8211-79921a545de3"), "voices[].id"),
        (_drop(["locale_names", "ko-kr"]), "locale_names"),
        (_set(["retired_voices", 0, "models"], ["ghost-model"]), "retired_voices[0].models"),
        (_set(["retired_voices", 0, "id"], "0cbf31f3-5c50-5289-8211-79921a545de3"),
         "voices[].id + retired_voices[].id"),
        (_set(["nodes", 3, "config_shema"], {}), "nodes[3]: unknown keys ['config_shema']"),
        (_set(["voise"], []), "(top level): unknown keys ['voise']"),
        (_set(["providers", "quill", "models"], []), "providers.quill.models"),
    ],
)
def test_bad_catalog_data_fails_naming_file_and_key(
    tmp_path: Path, mutate: Callable[[dict[str, Any]], None], where: str
) -> None:
    """A malformed entry raises CatalogError whose message names the file and the key."""
    raw = _raw()
    mutate(raw)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    with pytest.raises(CatalogError) as caught:
        Catalog.load(path)
    assert str(path) in str(caught.value)
    assert where in str(caught.value)


def test_unvoiced_locale_fails_to_load(tmp_path: Path) -> None:
    """A locale no voice speaks is refused: generated graphs could not voice it."""
    raw = _raw()
    raw["locales"].append("it-it")
    raw["locale_names"]["it-it"] = "Italian (Italy)"
    path = tmp_path / "catalog.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    with pytest.raises(CatalogError, match=r"no voice speaks \['it-it'\]"):
        Catalog.load(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [("nodes: [unclosed", "not valid YAML"), ("- just a list", "expected a mapping")],
)
def test_unparseable_catalog_fails_clearly(tmp_path: Path, content: str, message: str) -> None:
    """Broken YAML or a wrong top-level shape raises CatalogError naming the file."""
    path = tmp_path / "catalog.yaml"
    path.write_text(content, "utf-8")
    with pytest.raises(CatalogError, match=message) as caught:
        Catalog.load(path)
    assert str(path) in str(caught.value)


def test_missing_catalog_file_fails_clearly(tmp_path: Path) -> None:
    """A path that does not exist raises CatalogError, not a bare OSError."""
    with pytest.raises(CatalogError, match="cannot read"):
        Catalog.load(tmp_path / "absent.yaml")
